// Tier 2 on an OCI registry: one artifact per cache key (tag = key). docs/remote-cache.md describes the layout.
// The manifest is a pure function of the entry (no timestamps, files sorted), so two machines pushing one key at once
// put byte-identical manifests: the registry keeps one artifact whoever wins.
import { createHash } from 'node:crypto'
import { canonicalJson } from '../../digest/canonical.js'
import { mapLimit } from '../../util/map-limit.js'
import type { CacheEntryMeta, CacheFile, EntrySource, RemoteEntry, RemoteStatus, RemoteTier } from '../types.js'
import { ENTRY_SCHEMA } from '../local-store.js'
import { OCI_MANIFEST, OciClient, RemoteError, type OciClientOptions } from './oci-client.js'
import type { OciLocation } from './reference.js'

export const OUTPUTS_ARTIFACT = 'application/vnd.modelops-bundle.outputs.v1+json'
export const OUTPUT_FILE_MEDIA = 'application/vnd.modelops-bundle.output.v1'
export const OUTPUT_INDEX_MEDIA = 'application/vnd.modelops-bundle.outputs.index.v1+json'
export const EMPTY_CONFIG = { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 } as const
/** Layer annotations: the file's path in the entry (the OCI title, as the Python tool writes paths) and its BLAKE2b. */
export const TITLE = 'org.opencontainers.image.title'
export const BLAKE2B = 'dev.modelops-bundle.digest'
const INDEX_TITLE = 'index.json'
/** Files uploaded at once (small outputs are latency-bound). */
const UPLOAD_CONCURRENCY = 4
const MAX_INDEX = 16 * 1024 * 1024

const KEY_RE = /^[0-9a-f]{64}$/
const BLAKE_RE = /^blake2b256:[0-9a-f]{64}$/
const SHA_RE = /^sha256:[0-9a-f]{64}$/

interface Descriptor {
  mediaType: string
  digest: string
  size: number
  annotations?: Record<string, string>
}

export interface OciTierOptions extends OciClientOptions {
  /** Push generated entries. @default true */
  push?: boolean
}

export class OciRemoteTier implements RemoteTier {
  readonly name: string
  readonly push: boolean
  readonly client: OciClient

  constructor(location: OciLocation, options: OciTierOptions = {}) {
    this.client = new OciClient(location, options)
    this.name = this.client.name
    this.push = options.push ?? true
  }

  async has(key: string, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    return (await this.client.headManifest(checkKey(key), options)) !== undefined
  }

  /**
   * The entry of `key`: its manifest read and checked against the layout, its index blob fetched (sha256-verified)
   * and checked against the layers. Each file's stream is verified (sha256, size) by the client; the caller still
   * verifies BLAKE2b against `files` before it commits (Staging.commit({ expect })).
   */
  async fetch(key: string, options: { signal?: AbortSignal } = {}): Promise<RemoteEntry | undefined> {
    checkKey(key)
    // HEAD the tag, then GET by digest: what is read cannot change between the two (a concurrent push re-tagging it).
    const head = await this.client.headManifest(key, options)
    if (!head) return undefined
    const got = await this.client.getManifest(/^sha256:[0-9a-f]{64}$/.test(head.digest) ? head.digest : key, options)
    if (!got) return undefined
    const bad = (why: string): never => {
      throw new RemoteError('integrity', `${this.name}: the artifact of cache key ${key.slice(0, 12)} ${why}`)
    }
    let manifest: { mediaType?: unknown; artifactType?: unknown; layers?: unknown }
    try {
      manifest = JSON.parse(got.bytes.toString('utf8'))
    } catch {
      return bad('has a manifest that is not JSON')
    }
    if (manifest.artifactType !== OUTPUTS_ARTIFACT) bad(`is not a modelops-bundle outputs artifact (artifactType ${JSON.stringify(manifest.artifactType)})`)
    if (!Array.isArray(manifest.layers)) bad('has no layers')
    const layers = manifest.layers as Descriptor[]
    for (const l of layers) {
      if (!l || typeof l !== 'object' || !SHA_RE.test(String(l.digest)) || !Number.isSafeInteger(l.size) || l.size < 0) bad('has a malformed layer')
    }
    const indexLayers = layers.filter((l) => l.mediaType === OUTPUT_INDEX_MEDIA)
    if (indexLayers.length !== 1) bad('does not have exactly one index layer')
    const indexLayer = indexLayers[0]!
    if (indexLayer.size > MAX_INDEX) bad(`has an index of ${indexLayer.size} bytes`)
    const chunks: Buffer[] = []
    for await (const c of await this.client.getBlob(indexLayer.digest, indexLayer.size, options)) chunks.push(Buffer.from(c))
    let index: { schema?: unknown; key?: unknown; files?: unknown; model_id?: unknown; entrypoint?: unknown; digest?: unknown; generator?: unknown }
    try {
      index = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      return bad('has an index that is not JSON')
    }
    if (index.schema !== ENTRY_SCHEMA || index.key !== key || !Array.isArray(index.files)) bad('has an index that does not describe this entry')
    const files: CacheFile[] = []
    // Keyed by path, prototype-free: paths come from whoever could push.
    const layerOf = new Map<string, Descriptor>()
    for (const l of layers) {
      if (l.mediaType !== OUTPUT_FILE_MEDIA) continue
      const title = l.annotations?.[TITLE]
      if (typeof title !== 'string' || layerOf.has(title)) bad('has a file layer without a unique path')
      layerOf.set(title!, l)
    }
    const seen = new Set<string>()
    for (const f of index.files as CacheFile[]) {
      if (!f || typeof f !== 'object' || !safeRelative(f.path) || !Number.isSafeInteger(f.bytes) || f.bytes < 0 || !BLAKE_RE.test(String(f.digest))) {
        bad(`lists a malformed file ${JSON.stringify(String(f?.path)).slice(0, 120)}`)
      }
      if (seen.has(f.path)) bad(`lists ${JSON.stringify(f.path)} twice`)
      seen.add(f.path)
      const layer = layerOf.get(f.path)
      if (!layer || layer.size !== f.bytes || layer.annotations?.[BLAKE2B] !== f.digest) bad(`has no layer matching ${JSON.stringify(f.path)} of its index`)
      // The layer's sha256 is what the client verifies each byte against while it streams.
      files.push({ path: f.path, bytes: f.bytes, digest: f.digest, sha256: layer!.digest })
    }
    if (layerOf.size !== files.length) bad('has layers its index does not list')
    const meta: CacheEntryMeta = { model_id: String(index.model_id), entrypoint: String(index.entrypoint), digest: String(index.digest), generator: index.generator }
    const client = this.client
    return {
      key,
      meta,
      files,
      bytes: files.reduce((n, f) => n + f.bytes, 0),
      async open(path, openOptions = {}) {
        const layer = layerOf.get(path)
        if (!layer) throw new RemoteError('protocol', `not a file of cache entry ${key.slice(0, 12)}: ${path}`)
        return client.getBlob(layer.digest, layer.size, { signal: openOptions.signal ?? options.signal })
      },
    }
  }

  /**
   * Push an entry: each file's blob (its sha256 from the index, else computed by a first streamed read; skipped if the
   * registry has it), the index and the empty config, then the manifest under the key. A key the registry already has
   * is left alone. A recorded sha256 that is wrong cannot publish wrong bytes: the registry checks the digest of what
   * it receives, and a blob it already has under that digest fails every puller's BLAKE2b check.
   */
  async upload(entry: EntrySource, options: { signal?: AbortSignal } = {}): Promise<void> {
    const key = checkKey(entry.key)
    if (await this.client.headManifest(key, options)) return
    const files = [...entry.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    const layers: Descriptor[] = new Array(files.length)
    await mapLimit(files, UPLOAD_CONCURRENCY, async (f, i) => {
      // Recorded at commit: one read of the file (the upload) instead of two.
      const digest = f.sha256 && SHA_RE.test(f.sha256) ? f.sha256 : await sha256Of(await entry.open(f.path, options), f.bytes, f.path)
      await this.client.uploadBlob(digest, f.bytes, (start, end) => lazy(() => entry.open(f.path, { ...options, start, end })), options)
      layers[i] = { mediaType: OUTPUT_FILE_MEDIA, digest, size: f.bytes, annotations: { [TITLE]: f.path, [BLAKE2B]: f.digest } }
    })
    const index = Buffer.from(canonicalJson(indexOf(key, entry.meta, files)))
    const indexDigest = sha256(index)
    await this.client.uploadBlob(indexDigest, index.length, (s, e) => once(index.subarray(s, e)), options)
    await this.client.uploadBlob(EMPTY_CONFIG.digest, EMPTY_CONFIG.size, (s, e) => once(Buffer.from('{}').subarray(s, e)), options)
    layers.push({ mediaType: OUTPUT_INDEX_MEDIA, digest: indexDigest, size: index.length, annotations: { [TITLE]: INDEX_TITLE } })
    await this.client.putManifest(key, manifestBytes(layers), OCI_MANIFEST, options)
  }

  async status(options: { signal?: AbortSignal } = {}): Promise<RemoteStatus> {
    try {
      await this.client.ping(options)
      const tags = await this.client.tags({ ...options, max: 100_000 })
      return { name: this.name, reachable: true, push: this.push, entries: tags.filter((t) => KEY_RE.test(t)).length }
    } catch (err) {
      if ((err as Error)?.name === 'AbortError') throw err
      return { name: this.name, reachable: false, problem: (err as Error).message, push: this.push }
    }
  }

  async close(): Promise<void> {
    await this.client.close()
  }
}

/** The entry's index as the local store writes it (docs/cache.md), the last layer of the artifact. */
function indexOf(key: string, meta: CacheEntryMeta, files: readonly CacheFile[]) {
  return { schema: ENTRY_SCHEMA, key, ...meta, bytes: files.reduce((n, f) => n + f.bytes, 0), files: files.map((f) => ({ path: f.path, bytes: f.bytes, digest: f.digest })) }
}

/** Fixed key order, no timestamps: the same entry gives the same bytes on every machine. */
export function manifestBytes(layers: Descriptor[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: OUTPUTS_ARTIFACT,
      config: EMPTY_CONFIG,
      layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size, ...(l.annotations ? { annotations: l.annotations } : {}) })),
    }),
  )
}

function sha256(b: Uint8Array): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`
}

async function sha256Of(stream: AsyncIterable<Uint8Array>, bytes: number, path: string): Promise<string> {
  const h = createHash('sha256')
  let n = 0
  for await (const c of stream) {
    n += c.byteLength
    h.update(c)
  }
  if (n !== bytes) throw new Error(`cache file ${path} has ${n} bytes, its index says ${bytes}`)
  return `sha256:${h.digest('hex')}`
}

async function* once(b: Uint8Array): AsyncGenerator<Uint8Array> {
  yield b
}

async function* lazy(open: () => Promise<AsyncIterable<Uint8Array>>): AsyncGenerator<Uint8Array> {
  yield* await open()
}

function checkKey(key: string): string {
  if (!KEY_RE.test(key)) throw new RemoteError('protocol', `invalid cache key ${JSON.stringify(String(key).slice(0, 80))}`)
  return key
}

/** A relative POSIX path with no empty, `.` or `..` segment, no backslash or NUL: safe to join under a folder. */
function safeRelative(p: unknown): p is string {
  if (typeof p !== 'string' || p === '' || p.length > 4096 || p.includes('\0') || p.includes('\\') || p.startsWith('/')) return false
  return p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..')
}
