// A large file pulled from the remote tier is BLAKE2b-hashed by a hash-pool worker that reads the staging file behind
// the writer (digest/follow.ts), while the main thread receives, sha256-checks and writes. These tests pin that the
// worker really does it, that its digest is the one checked at commit, and that a bad or broken transfer leaves
// nothing behind and no worker waiting.
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalStore } from '../src/cache/local-store.js'
import { entrySource } from '../src/cache/entry-source.js'
import { pullEntry } from '../src/generate/tiers.js'
import { OciRemoteTier, manifestBytes, OUTPUT_FILE_MEDIA, OUTPUT_INDEX_MEDIA, TITLE, BLAKE2B } from '../src/cache/remote/oci-tier.js'
import { OciClient } from '../src/cache/remote/oci-client.js'
import { parseOciUrl } from '../src/cache/remote/reference.js'
import { hashBytes } from '../src/digest/bytes.js'
import { hashFollowingHex, WriteCursor } from '../src/digest/follow.js'
import { sharedHashPool } from '../src/digest/pool.js'
import type { CacheEntryMeta } from '../src/cache/types.js'
import { useRegistry } from '../../../test/support/oci-registry.mjs'

const tmp = () => mkdtempSync(path.join(tmpdir(), 'mops-follow-'))
const meta: CacheEntryMeta = { model_id: 'big', entrypoint: 'models.big:Big', digest: `composite1:${'0'.repeat(64)}`, generator: { command: 'python3 run.py', env: {} } }
const sha = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`
/** Above FOLLOW_MIN_BYTES (16 MiB), below FOLLOW_COLD_BYTES (64 MiB): hashed by the worker once the pool runs. */
const BIG = 20 * 1024 * 1024
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** A job for the shared hash pool, so that it runs (a large file is then followed by a worker). */
async function warmPool(): Promise<void> {
  const file = path.join(tmp(), 'x')
  writeFileSync(file, 'x')
  await sharedHashPool().hashFile(file)
}

describe('hashFollowingHex', () => {
  it('hashes a file as its writer writes it, waiting for bytes, and ends when the writer finishes', async () => {
    const file = path.join(tmp(), 'f.bin')
    const data = randomBytes(3 * 1024 * 1024 + 17)
    const fh = await open(file, 'wx')
    const cursor = new WriteCursor()
    // Started before any byte is written: it must wait, not end at 0 bytes.
    const hashed = hashFollowingHex(file, cursor.buffer)
    for (let at = 0; at < data.length; at += 700_001) {
      const piece = data.subarray(at, at + 700_001)
      await fh.write(piece)
      cursor.advance(piece.length)
      await sleep(5)
    }
    await fh.close()
    cursor.finish()
    expect(`blake2b256:${await hashed}`).toBe(await hashBytes(data))
  })

  it('stops when the writer fails, and refuses a file shorter than the writer says', async () => {
    const dir = tmp()
    const cursor = new WriteCursor()
    writeFileSync(path.join(dir, 'a.bin'), 'abc')
    const failed = hashFollowingHex(path.join(dir, 'a.bin'), cursor.buffer)
    cursor.advance(3)
    await sleep(20)
    cursor.fail()
    await expect(failed).rejects.toThrow(/write of .*a\.bin failed/)
    const lying = new WriteCursor()
    lying.advance(10)
    lying.finish()
    await expect(hashFollowingHex(path.join(dir, 'a.bin'), lying.buffer)).rejects.toThrow(/ended at 3 bytes, its writer wrote 10/)
  })
})

describe('pull of a large file: BLAKE2b on a worker behind the write', () => {
  const oci = useRegistry({ beforeAll, afterAll })

  it('commits byte-identical files with the digests machine A recorded; hashed by the worker once the pool runs', async () => {
    const a = new LocalStore(tmp())
    const key = 'e1'.repeat(32)
    const files = { 'series.bin': randomBytes(BIG), 'summary.json': Buffer.from('{"r0": 2.5}\n') }
    const staging = await a.stage(key)
    for (const [rel, bytes] of Object.entries(files)) writeFileSync(path.join(staging.outDir, rel), bytes)
    const entry = await staging.commit(meta)
    const tier = new OciRemoteTier(parseOciUrl(oci.reg.url('team/follow'), undefined, 'test'), { credentials: null })
    await tier.upload(entrySource(entry))
    const pool = sharedHashPool()
    const pullInto = async (b: LocalStore) => {
      const got = await pullEntry(b, (await tier.fetch(key))!, meta)
      expect(got.files).toEqual(entry.files)
      for (const [rel, bytes] of Object.entries(files)) expect(readFileSync(got.filePath(rel)).equals(bytes)).toBe(true)
      expect((await b.get(key)).status).toBe('hit')
    }
    // No worker running: a 20 MiB file is hashed in-thread (starting a worker costs more than it saves).
    await pullInto(new LocalStore(tmp()))
    expect(pool.running).toBe(false)
    // A running pool takes it: one worker job (the big file); the small one is hashed in-thread as it is written.
    await warmPool()
    const before = pool.completed
    await pullInto(new LocalStore(tmp()))
    expect(pool.completed - before).toBe(1)
    await tier.close()
  })

  it('a forged BLAKE2b of a large file (its sha256 intact) is refused at commit; nothing is committed', async () => {
    await warmPool()
    const client = new OciClient(parseOciUrl(oci.reg.url('team/follow-forged'), undefined, 'test'), { credentials: null })
    const key = 'e2'.repeat(32)
    const body = randomBytes(BIG)
    const digest = `blake2b256:${'1'.repeat(64)}`
    const index = Buffer.from(JSON.stringify({ schema: 'modelops-bundle/cache-entry@1', key, ...meta, bytes: body.length, files: [{ path: 'big.bin', bytes: body.length, digest }] }))
    for (const blob of [index, body, Buffer.from('{}')]) await client.uploadBlob(sha(blob), blob.length, async function* (s, e) { yield blob.subarray(s, e) })
    await client.putManifest(key, manifestBytes([
      { mediaType: OUTPUT_FILE_MEDIA, digest: sha(body), size: body.length, annotations: { [TITLE]: 'big.bin', [BLAKE2B]: digest } },
      { mediaType: OUTPUT_INDEX_MEDIA, digest: sha(index), size: index.length, annotations: { [TITLE]: 'index.json' } },
    ]))
    const tier = new OciRemoteTier(parseOciUrl(oci.reg.url('team/follow-forged'), undefined, 'test'), { credentials: null })
    const b = new LocalStore(tmp())
    await expect(pullEntry(b, (await tier.fetch(key))!, meta)).rejects.toThrow(`big.bin has digest ${await hashBytes(body)}, index says ${digest}`)
    expect((await b.get(key)).status).toBe('miss')
    expect(readdirSync(path.join(b.dir, 'staging'))).toEqual([])
    await client.close()
    await tier.close()
  })

  it('a large blob cut short or with a flipped byte fails the pull, leaves no staging, and the worker is free again', async () => {
    await warmPool()
    const a = new LocalStore(tmp())
    const key = 'e3'.repeat(32)
    const body = randomBytes(BIG)
    const staging = await a.stage(key)
    writeFileSync(path.join(staging.outDir, 'big.bin'), body)
    const entry = await staging.commit(meta)
    const tier = new OciRemoteTier(parseOciUrl(oci.proxy.url('team/follow-faults'), undefined, 'test'), { credentials: null })
    await tier.upload(entrySource(entry))
    const b = new LocalStore(tmp())
    for (const [fault, why] of [['cut', /cut short|closed mid-transfer|cut short at/], ['flip', /bytes served have digest/]] as const) {
      const remote = await tier.fetch(key)
      oci.proxy.fault = fault
      oci.proxy.match = /blobs/
      try {
        await expect(pullEntry(b, remote!, meta)).rejects.toThrow(why)
      } finally {
        oci.proxy.fault = undefined
        oci.proxy.match = undefined
      }
      expect((await b.get(key)).status).toBe('miss')
      expect(readdirSync(path.join(b.dir, 'staging'))).toEqual([])
    }
    // The followers of the failed writes ended: the pool takes the next pull's job and it completes.
    const got = await pullEntry(b, (await tier.fetch(key))!, meta)
    expect(readFileSync(got.filePath('big.bin')).equals(body)).toBe(true)
    await tier.close()
  })
})
