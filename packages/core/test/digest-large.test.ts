// A 1 GiB file is hashed streamed: same digest as b2sum, and the process's peak memory does not grow with the file.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { hashFile } from '../src/digest/bytes.js'
import { tempDir } from './digest-helpers.js'

const MiB = 1 << 20
let dir: string
let cleanup: () => void
let file: string

beforeAll(() => {
  ;({ dir, cleanup } = tempDir('mops-1gib-'))
  file = join(dir, 'big.bin')
  // A random 1 MiB block repeated, each copy tweaked so no two blocks are equal (cheap to write, not compressible by layout).
  const block = randomBytes(MiB)
  const fd = openSync(file, 'w')
  for (let i = 0; i < 1024; i++) {
    block.writeUInt32LE(i, 0)
    writeSync(fd, block)
  }
  closeSync(fd)
})
afterAll(() => cleanup())

it('hashes 1 GiB in constant memory and agrees with b2sum -l 256', async () => {
  const before = process.resourceUsage().maxRSS // KiB, the process's peak so far
  const ours = await hashFile(file)
  const growthMiB = (process.resourceUsage().maxRSS - before) / 1024
  const reference = execFileSync('b2sum', ['-l', '256', file], { encoding: 'utf8' }).split(' ')[0]
  expect(ours).toBe(`blake2b256:${reference}`)
  // Reading the file whole would add ~1024 MiB; streaming adds at most a few buffers.
  expect(growthMiB).toBeLessThan(128)
}, 300_000)
