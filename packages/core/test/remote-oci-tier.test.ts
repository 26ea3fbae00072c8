// The OCI remote tier on a real registry: machine A pushes an entry, machine B (another cache folder) fetches it,
// verifies it and commits it; concurrent pushes of one key; hostile artifacts refused; settings precedence.
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalStore } from '../src/cache/local-store.js'
import { entrySource } from '../src/cache/entry-source.js'
import { pullEntry } from '../src/generate/tiers.js'
import { OciRemoteTier, OUTPUTS_ARTIFACT, manifestBytes, OUTPUT_FILE_MEDIA, OUTPUT_INDEX_MEDIA, TITLE, BLAKE2B } from '../src/cache/remote/oci-tier.js'
import { OciClient } from '../src/cache/remote/oci-client.js'
import { parseOciUrl } from '../src/cache/remote/reference.js'
import { resolveRemoteCache } from '../src/cache/remote/settings.js'
import { parseConfig } from '../src/project/config.js'
import type { CacheEntry, CacheEntryMeta, RemoteEntry } from '../src/cache/types.js'
import { useRegistry } from '../../../test/support/oci-registry.mjs'

const tmp = () => mkdtempSync(path.join(tmpdir(), 'mops-remote-'))
const meta: CacheEntryMeta = { model_id: 'sir', entrypoint: 'models.sir:SIR', digest: `composite1:${'0'.repeat(64)}`, generator: { command: 'python3 run.py', env: {} } }
const sha = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`

async function generate(store: LocalStore, key: string, files: Record<string, Buffer>): Promise<CacheEntry> {
  const staging = await store.stage(key)
  for (const [rel, bytes] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(staging.outDir, rel)), { recursive: true })
    writeFileSync(path.join(staging.outDir, rel), bytes)
  }
  return staging.commit(meta)
}

/** What the tier flow does with a remote entry (resolveOutputs): stream each file into staging, commit only if it matches the index. */
const commitRemote = (store: LocalStore, remote: RemoteEntry): Promise<CacheEntry> => pullEntry(store, remote, remote.meta)

describe('OciRemoteTier on docker-registry', () => {
  const oci = useRegistry({ beforeAll, afterAll })

  it('machine B gets byte-identical files of the entry machine A pushed, committed into its own store', async () => {
    const a = new LocalStore(tmp())
    const b = new LocalStore(tmp())
    const key = 'a1'.repeat(32)
    const files = { 'summary.json': Buffer.from('{"r0": 2.5}\n'), 'series/run-1.csv': randomBytes(70_000), 'empty.txt': Buffer.alloc(0) }
    const entry = await generate(a, key, files)
    const tierA = new OciRemoteTier(parseOciUrl(oci.reg.url('team/outputs'), undefined, 'test'), { credentials: null })
    expect(await tierA.has(key)).toBe(false)
    await tierA.upload(entrySource(entry))
    expect(await tierA.has(key)).toBe(true)

    const tierB = new OciRemoteTier(parseOciUrl(oci.reg.url('team/outputs'), undefined, 'test'), { credentials: null })
    const remote = await tierB.fetch(key)
    expect(remote!.files).toEqual(entry.files)
    expect(remote!.meta).toEqual(meta)
    const got = await commitRemote(b, remote!)
    for (const [rel, bytes] of Object.entries(files)) expect(readFileSync(got.filePath(rel)).equals(bytes)).toBe(true)
    expect((await b.get(key)).status).toBe('hit')
    // The layout: artifactType, empty config, one layer per file (path + BLAKE2b annotated), the index last.
    const manifest = JSON.parse((await tierB.client.getManifest(key))!.bytes.toString())
    expect(manifest.artifactType).toBe(OUTPUTS_ARTIFACT)
    expect(manifest.config.mediaType).toBe('application/vnd.oci.empty.v1+json')
    expect(manifest.layers.map((l: { annotations: Record<string, string> }) => l.annotations[TITLE])).toEqual(['empty.txt', 'series/run-1.csv', 'summary.json', 'index.json'])
    expect(manifest.layers[2].annotations[BLAKE2B]).toBe(entry.files.find((f) => f.path === 'summary.json')!.digest)
    expect(await tierB.fetch('b2'.repeat(32))).toBeUndefined()
    await tierA.close()
    await tierB.close()
  })

  it('two machines pushing one key at once both succeed and leave one artifact', async () => {
    const key = 'c3'.repeat(32)
    const files = { 'out.bin': randomBytes(500_000), 'a.json': Buffer.from('{}') }
    const [ea, eb] = [await generate(new LocalStore(tmp()), key, files), await generate(new LocalStore(tmp()), key, files)]
    const loc = parseOciUrl(oci.reg.url('team/race'), undefined, 'test')
    const [ta, tb] = [new OciRemoteTier(loc, { credentials: null }), new OciRemoteTier(loc, { credentials: null })]
    await Promise.all([ta.upload(entrySource(ea)), tb.upload(entrySource(eb))])
    expect(await ta.client.tags()).toEqual([key])
    const digests = new Set([(await ta.client.headManifest(key))!.digest, (await tb.client.headManifest(key))!.digest])
    expect(digests.size).toBe(1)
    await ta.close()
    await tb.close()
  })

  it('records each file\'s sha256 at commit (generated or pulled), so a push reads each file once', async () => {
    const a = new LocalStore(tmp())
    const key = 'a7'.repeat(32)
    const files = { 'big.bin': randomBytes(300_000), 'small.txt': Buffer.from('x\n') }
    const entry = await generate(a, key, files)
    for (const f of entry.files) expect(f.sha256).toBe(sha(files[f.path as keyof typeof files]))
    // Every open of a file counted: the push must not read a file to learn its digest first.
    const opens: string[] = []
    const counted = (e: CacheEntry) => {
      const src = entrySource(e)
      return { ...src, open: (rel: string, o?: { signal?: AbortSignal; start?: number; end?: number }) => (opens.push(rel), src.open(rel, o)) }
    }
    const tier = new OciRemoteTier(parseOciUrl(oci.reg.url('team/once'), undefined, 'test'), { credentials: null })
    await tier.upload(counted(entry))
    expect(opens.sort()).toEqual(['big.bin', 'small.txt'])
    // Pulled into machine B: the verified layer digests are recorded too, and its push (to another repository) reads once.
    const b = new LocalStore(tmp())
    const pulled = await commitRemote(b, (await tier.fetch(key))!)
    const index = JSON.parse(readFileSync(path.join(b.dir, 'entries', key.slice(0, 2), key, 'index.json'), 'utf8'))
    expect(index.files.map((f: { sha256: string }) => f.sha256)).toEqual(entry.files.map((f) => f.sha256))
    opens.length = 0
    const other = new OciRemoteTier(parseOciUrl(oci.reg.url('team/once-b'), undefined, 'test'), { credentials: null })
    await other.upload(counted(pulled))
    expect(opens.sort()).toEqual(['big.bin', 'small.txt'])
    // An entry of an older version (no sha256 in its index) still pushes, reading each file twice.
    opens.length = 0
    const old = { ...counted(entry), files: entry.files.map(({ sha256: _, ...f }) => f) }
    const third = new OciRemoteTier(parseOciUrl(oci.reg.url('team/once-old'), undefined, 'test'), { credentials: null })
    await third.upload(old)
    expect(opens.sort()).toEqual(['big.bin', 'big.bin', 'small.txt', 'small.txt'])
    const back = await commitRemote(new LocalStore(tmp()), (await third.fetch(key))!)
    expect(readFileSync(back.filePath('big.bin')).equals(files['big.bin'])).toBe(true)
    await Promise.all([tier.close(), other.close(), third.close()])
  })

  it('a flipped byte on the wire fails the stream; nothing is committed', async () => {
    const key = 'd4'.repeat(32)
    const entry = await generate(new LocalStore(tmp()), key, { 'x.bin': randomBytes(10_000) })
    const tier = new OciRemoteTier(parseOciUrl(oci.proxy.url('team/flip'), undefined, 'test'), { credentials: null })
    await tier.upload(entrySource(entry))
    const b = new LocalStore(tmp())
    const remote = await tier.fetch(key)
    oci.proxy.fault = 'flip'
    oci.proxy.match = /x\.bin|blobs/
    try {
      await expect(commitRemote(b, remote!)).rejects.toThrow(/bytes served have digest/)
    } finally {
      oci.proxy.fault = undefined
      oci.proxy.match = undefined
    }
    expect((await b.get(key)).status).toBe('miss')
    await tier.close()
  })

  it('refuses artifacts whose index names unsafe paths, or whose layers do not match the index', async () => {
    const client = new OciClient(parseOciUrl(oci.reg.url('team/hostile'), undefined, 'test'), { credentials: null })
    const tier = new OciRemoteTier(parseOciUrl(oci.reg.url('team/hostile'), undefined, 'test'), { credentials: null })
    const put = async (key: string, files: Array<{ path: string; bytes: number; digest: string }>, layerTitle: string, body: Buffer) => {
      const index = Buffer.from(JSON.stringify({ schema: 'modelops-bundle/cache-entry@1', key, ...meta, bytes: body.length, files }))
      for (const b of [index, body, Buffer.from('{}')]) await client.uploadBlob(sha(b), b.length, async function* (s, e) { yield b.subarray(s, e) })
      await client.putManifest(
        key,
        manifestBytes([
          { mediaType: OUTPUT_FILE_MEDIA, digest: sha(body), size: body.length, annotations: { [TITLE]: layerTitle, [BLAKE2B]: files[0]!.digest } },
          { mediaType: OUTPUT_INDEX_MEDIA, digest: sha(index), size: index.length, annotations: { [TITLE]: 'index.json' } },
        ]),
      )
    }
    const body = Buffer.from('pwned')
    const digest = `blake2b256:${'1'.repeat(64)}`
    await put('e5'.repeat(32), [{ path: '../../escape.txt', bytes: body.length, digest }], '../../escape.txt', body)
    await expect(tier.fetch('e5'.repeat(32))).rejects.toThrow(/malformed file/)
    await put('f6'.repeat(32), [{ path: 'a.txt', bytes: body.length + 1, digest }], 'a.txt', body)
    await expect(tier.fetch('f6'.repeat(32))).rejects.toThrow(/no layer matching/)
    // Blobs intact (their sha256 checks out) but the BLAKE2b the index claims is not theirs: refused at commit.
    await put('a7'.repeat(32), [{ path: 'a.txt', bytes: body.length, digest }], 'a.txt', body)
    const forged = await tier.fetch('a7'.repeat(32))
    const b = new LocalStore(tmp())
    await expect(commitRemote(b, forged!)).rejects.toThrow(/does not match the index it came with/)
    expect((await b.get('a7'.repeat(32))).status).toBe('miss')
    await client.close()
    await tier.close()
  })
})

describe('remote cache settings', () => {
  const cfg = { url: 'oci://ghcr.io/org/outputs', push: false, plain_http: false }
  it('config.yaml, then the plugin option, then MODELOPS_REMOTE_CACHE / _PUSH', () => {
    expect(resolveRemoteCache({ config: cfg, env: {} })).toMatchObject({ location: { registry: 'ghcr.io', repository: 'org/outputs', plainHttp: false }, push: false, connectTimeout: 5000 })
    expect(resolveRemoteCache({ config: cfg, option: { url: 'oci://localhost:5000/x', push: true }, env: {} })).toMatchObject({ location: { registry: 'localhost:5000', plainHttp: true }, push: true })
    expect(resolveRemoteCache({ config: cfg, option: { push: true }, env: {} })).toMatchObject({ location: { registry: 'ghcr.io' }, push: true })
    const env = { MODELOPS_REMOTE_CACHE: 'oci://harbor.example:8443/ci/outputs', MODELOPS_REMOTE_CACHE_PUSH: '1' }
    expect(resolveRemoteCache({ config: cfg, option: { url: 'oci://localhost:5000/x', push: false }, env })).toMatchObject({ location: { registry: 'harbor.example:8443', plainHttp: false }, push: true, source: 'MODELOPS_REMOTE_CACHE' })
    expect(resolveRemoteCache({ config: cfg, env: { MODELOPS_REMOTE_CACHE_PUSH: '0' } })!.push).toBe(false)
    expect(resolveRemoteCache({ config: cfg, env: { MODELOPS_REMOTE_CACHE: '' } })).toBeUndefined()
    expect(resolveRemoteCache({ config: cfg, option: false, env: {} })).toBeUndefined()
    expect(resolveRemoteCache({ env: {} })).toBeUndefined()
    expect(() => resolveRemoteCache({ config: cfg, env: { MODELOPS_REMOTE_CACHE_PUSH: 'yes' } })).toThrow(/MODELOPS_REMOTE_CACHE_PUSH must be 0 or 1/)
  })

  it('config.yaml remote_cache: parsed with defaults, errors with line and column', () => {
    const { config } = parseConfig('remote_cache:\n  url: oci://127.0.0.1:5000/outputs\n  connect_timeout: 2s\n', 'config.yaml')
    expect(config.remote_cache).toEqual({ url: 'oci://127.0.0.1:5000/outputs', connect_timeout: 2000 })
    expect(() => parseConfig('remote_cache:\n  url: https://ghcr.io/x\n', 'config.yaml')).toThrow(expect.objectContaining({ line: 2, message: expect.stringMatching(/oci:\/\//) }))
    expect(() => parseConfig('remote_cache:\n  push: maybe\n  url: oci://a.b/c\n', 'config.yaml')).toThrow(expect.objectContaining({ line: 2 }))
    expect(() => parseConfig('remote_cache:\n  push: false\n', 'config.yaml')).toThrow(/needs a url/)
    expect(() => parseConfig('remote_cache:\n  url: oci://a.b/c\n  token: abc\n', 'config.yaml')).toThrow(/unknown key "token"/)
  })

  it('the Python modelops-bundle still reads a config.yaml that carries remote_cache', () => {
    const envSh = process.env.MODELOPS_PY_TOOL ? path.join(process.env.MODELOPS_PY_TOOL, 'env.sh') : '/tmp/pytool/env.sh'
    // Never skipped: CI installs the tool (.ci/run runs the reference setup.sh).
    expect(existsSync(envSh), `${envSh} is missing: run the Python tool's setup.sh (see .ci/run)`).toBe(true)
    const dir = tmp()
    const run = (cmd: string) => execFileSync('bash', ['-c', `. ${envSh} && cd ${dir} && ${cmd}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    run('modelops-bundle init --env local >/dev/null')
    const file = path.join(dir, '.modelops-bundle', 'config.yaml')
    writeFileSync(file, `${readFileSync(file, 'utf8')}remote_cache:\n  url: oci://127.0.0.1:5000/outputs\n  push: false\n  plain_http: true\n  connect_timeout: 5s\n`)
    const out = run('modelops-bundle status')
    expect(out).toMatch(/Tracked files/)
    // It read its own keys from that file, and left ours in place.
    expect(out).toMatch(/Registry/)
    expect(readFileSync(file, 'utf8')).toMatch(/remote_cache:\n  url: oci:\/\/127\.0\.0\.1:5000\/outputs/)
    expect(parseConfig(readFileSync(file, 'utf8'), file).config.remote_cache).toMatchObject({ push: false, plain_http: true, connect_timeout: 5000 })
  })
})
