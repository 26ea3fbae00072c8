import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { writeFileAtomic } from '../src/project/atomic.js'
import { tempDir } from './registry-helpers.js'

describe('writeFileAtomic', () => {
  it('replaces the file and leaves no temp file behind', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'a.yaml')
    await writeFileAtomic(file, 'one\n')
    await writeFileAtomic(file, new TextEncoder().encode('two\n'))
    expect(fs.readFileSync(file, 'utf8')).toBe('two\n')
    expect(fs.readdirSync(dir)).toEqual(['a.yaml'])
  })

  it('keeps the mode of the file it replaces', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'a.yaml')
    fs.writeFileSync(file, 'x')
    fs.chmodSync(file, 0o640)
    await writeFileAtomic(file, 'y')
    expect(fs.statSync(file).mode & 0o777).toBe(0o640)
  })

  it('removes its temp file when the final step fails, and leaves the target alone', async () => {
    const dir = tempDir()
    const target = path.join(dir, 'taken')
    fs.mkdirSync(target)
    fs.writeFileSync(path.join(target, 'inside'), '')
    // rename() onto a non-empty folder fails after the temp file was written.
    await expect(writeFileAtomic(target, 'data')).rejects.toThrow()
    expect(fs.readdirSync(dir)).toEqual(['taken'])
    expect(fs.readdirSync(target)).toEqual(['inside'])
  })

  it('with overwrite: false creates only when absent (EEXIST otherwise)', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'c.yaml')
    await writeFileAtomic(file, 'first', { overwrite: false })
    await expect(writeFileAtomic(file, 'second', { overwrite: false })).rejects.toMatchObject({ code: 'EEXIST' })
    expect(fs.readFileSync(file, 'utf8')).toBe('first')
    expect(fs.readdirSync(dir)).toEqual(['c.yaml'])
  })

  it('readers see the old or the new content, never a mix', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'big.txt')
    const a = 'a'.repeat(2_000_000)
    const b = 'b'.repeat(2_000_000)
    await writeFileAtomic(file, a)
    let stop = false
    const seen = new Set<string>()
    const reader = (async () => {
      while (!stop) {
        const text = fs.readFileSync(file, 'utf8')
        seen.add(text === a ? 'a' : text === b ? 'b' : `torn:${text.length}`)
        await new Promise((r) => setImmediate(r))
      }
    })()
    for (let i = 0; i < 20; i++) await writeFileAtomic(file, i % 2 ? a : b)
    stop = true
    await reader
    expect([...seen].filter((s) => s.startsWith('torn'))).toEqual([])
  })
})
