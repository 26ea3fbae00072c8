// The OCI client against a real registry (Debian's docker-registry): blobs up and down (monolithic and chunked),
// manifests, tags, integrity checks on what comes back, and auth (Basic from the environment and docker's config).
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OciClient, RemoteError } from '../src/cache/remote/oci-client.js'
import { findCredentials, parseChallenge } from '../src/cache/remote/auth.js'
import { parseOciUrl } from '../src/cache/remote/reference.js'
import { useRegistry } from '../../../test/support/oci-registry.mjs'

const sha = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`
async function* ranged(buf: Buffer, start: number, end: number) {
  // Small pieces, so a chunked upload really streams several writes per PATCH.
  for (let i = start; i < end; i += 65536) yield buf.subarray(i, Math.min(end, i + 65536))
}
async function collect(it: Promise<AsyncIterable<Uint8Array>>): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const c of await it) parts.push(Buffer.from(c))
  return Buffer.concat(parts)
}

describe('OciClient on docker-registry', () => {
  const oci = useRegistry({ beforeAll, afterAll })

  it('uploads a blob once (HEAD first), reads it back verified, and stores a manifest under a tag', async () => {
    const client = new OciClient(parseOciUrl(oci.proxy.url('team/out'), undefined, 'test'), { credentials: null })
    const data = randomBytes(300_000)
    const digest = sha(data)
    expect(await client.headBlob(digest)).toBeUndefined()
    expect(await client.uploadBlob(digest, data.length, (s, e) => ranged(data, s, e))).toBe(true)
    expect(await client.uploadBlob(digest, data.length, (s, e) => ranged(data, s, e))).toBe(false)
    expect(await client.headBlob(digest)).toBe(data.length)
    expect((await collect(client.getBlob(digest, data.length))).equals(data)).toBe(true)
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/octet-stream', digest, size: data.length }, layers: [] }))
    const md = await client.putManifest('a'.repeat(64), manifest)
    expect(md).toBe(sha(manifest))
    expect(await client.headManifest('a'.repeat(64))).toMatchObject({ digest: md })
    const got = await client.getManifest('a'.repeat(64))
    expect(got!.bytes.equals(manifest)).toBe(true)
    expect(await client.getManifest('b'.repeat(64))).toBeUndefined()
    expect(await client.tags()).toEqual(['a'.repeat(64)])
    await client.close()
  })

  it('uploads a blob larger than the chunk threshold in PATCHes', async () => {
    const client = new OciClient(parseOciUrl(oci.proxy.url('team/chunked'), undefined, 'test'), { credentials: null, chunkedAbove: 1 << 20, chunkSize: 400_000 })
    const data = randomBytes((1 << 20) + 12345)
    oci.proxy.requests.length = 0
    expect(await client.uploadBlob(sha(data), data.length, (s, e) => ranged(data, s, e))).toBe(true)
    expect(oci.proxy.requests.filter((r) => r.startsWith('PATCH')).length).toBe(3)
    expect((await collect(client.getBlob(sha(data), data.length))).equals(data)).toBe(true)
    await client.close()
  })

  it('rejects a blob cut short or with a flipped byte, and names what went wrong', async () => {
    const client = new OciClient(parseOciUrl(oci.proxy.url('team/faulty'), undefined, 'test'), { credentials: null })
    const data = randomBytes(200_000)
    await client.uploadBlob(sha(data), data.length, (s, e) => ranged(data, s, e))
    try {
      oci.proxy.fault = 'flip'
      await expect(collect(client.getBlob(sha(data), data.length))).rejects.toThrow(/bytes served have digest/)
      oci.proxy.fault = 'cut'
      const err = await collect(client.getBlob(sha(data), data.length)).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(RemoteError)
      expect((err as RemoteError).kind).toBe('integrity')
      // A descriptor that claims fewer bytes than the blob has is refused as soon as they overflow.
      oci.proxy.fault = undefined
      await expect(collect(client.getBlob(sha(data), 1000))).rejects.toThrow(/more than the 1000 bytes/)
    } finally {
      oci.proxy.fault = undefined
    }
    await client.close()
  })

  it('maps statuses to kinds: 403 forbidden, 5xx server, refused connection unreachable', async () => {
    const client = new OciClient(parseOciUrl(oci.proxy.url('team/status'), undefined, 'test'), { credentials: null })
    try {
      oci.proxy.fault = { status: 403 }
      await expect(client.headManifest('x')).rejects.toMatchObject({ kind: 'forbidden', status: 403 })
      oci.proxy.fault = { status: 503 }
      await expect(client.getManifest('x')).rejects.toMatchObject({ kind: 'server' })
    } finally {
      oci.proxy.fault = undefined
    }
    const down = new OciClient(parseOciUrl('oci://127.0.0.1:1/x', undefined, 'test'), { credentials: null })
    await expect(down.ping()).rejects.toMatchObject({ kind: 'unreachable' })
    await down.close()
    await client.close()
  })

  it('refuses digests and tags that are not the grammar (they come from manifests anyone can push)', async () => {
    const client = new OciClient(parseOciUrl(oci.reg.url('x'), undefined, 'test'), { credentials: null })
    await expect(client.headBlob('sha256:../../etc')).rejects.toThrow(/not a sha256 digest/)
    await expect(client.headManifest('../x')).rejects.toThrow(/not a tag or digest/)
    await client.close()
  })
})

describe('OciClient auth', () => {
  const username = 'ci-user'
  const password = `pw-${randomBytes(8).toString('hex')}`
  const oci = useRegistry({ beforeAll, afterAll }, { auth: { username, password } })

  it('answers the Basic challenge with MODELOPS_REMOTE_CACHE_USERNAME/PASSWORD', async () => {
    const loc = parseOciUrl(oci.proxy.url('auth/out'), undefined, 'test')
    const creds = findCredentials(loc.registry, { MODELOPS_REMOTE_CACHE_USERNAME: username, MODELOPS_REMOTE_CACHE_PASSWORD: password })
    const client = new OciClient(loc, { credentials: creds })
    const data = randomBytes(1000)
    await client.uploadBlob(sha(data), data.length, (s, e) => ranged(data, s, e))
    expect((await collect(client.getBlob(sha(data), data.length))).equals(data)).toBe(true)
    expect(oci.proxy.authorizations.some((a) => a.startsWith('Basic '))).toBe(true)
    await client.close()
  })

  it('reads credentials from ~/.docker/config.json auths (auth field), and names only their source on refusal', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'mops-home-'))
    mkdirSync(path.join(home, '.docker'))
    const loc = parseOciUrl(oci.proxy.url('auth/out'), undefined, 'test')
    writeFileSync(path.join(home, '.docker', 'config.json'), JSON.stringify({ auths: { [`http://${loc.registry}`]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } } }))
    const creds = findCredentials(loc.registry, { HOME: home })
    expect(creds).toMatchObject({ kind: 'basic', username })
    const ok = new OciClient(loc, { credentials: creds })
    await ok.ping()
    await ok.close()
    const wrong = new OciClient(loc, { credentials: { kind: 'basic', username, password: `${password}-wrong`, source: 'test env' } })
    const err = (await wrong.ping().catch((e: unknown) => e)) as RemoteError
    expect(err.kind).toBe('unauthorized')
    expect(err.message).toMatch(/refused the credentials from test env/)
    expect(err.message + String(err.stack)).not.toContain(password)
    await wrong.close()
    const anon = new OciClient(loc, { credentials: null })
    await expect(anon.ping()).rejects.toMatchObject({ kind: 'unauthorized' })
    await anon.close()
  })

  it('parses Bearer challenges with quoted commas', () => {
    const c = parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"')
    expect(c).toEqual({ scheme: 'bearer', params: Object.assign(Object.create(null), { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' }) })
  })
})

describe('OciClient Bearer token flow (distribution token auth, as ghcr, Harbor and ECR)', () => {
  const username = 'robot'
  const password = `tok-${randomBytes(8).toString('hex')}`
  const oci = useRegistry({ beforeAll, afterAll }, { token: { username, password }, proxy: false })

  it('follows 401 WWW-Authenticate: Bearer to the realm with Basic credentials, asks pull,push for a push, reuses the token', async () => {
    const loc = parseOciUrl(oci.reg.url('bearer/out'), undefined, 'test')
    const client = new OciClient(loc, { credentials: { kind: 'basic', username, password, source: 'test env' } })
    const data = randomBytes(5000)
    await client.uploadBlob(sha(data), data.length, (s, e) => ranged(data, s, e))
    expect((await collect(client.getBlob(sha(data), data.length))).equals(data)).toBe(true)
    expect(oci.reg.tokenRequests.every((r) => r.endsWith(`|${username}`))).toBe(true)
    expect(oci.reg.tokenRequests.some((r) => r.startsWith('repository:bearer/out:pull,push|'))).toBe(true)
    // One token per scope, not one per request.
    expect(oci.reg.tokenRequests.length).toBeLessThanOrEqual(3)
    await client.close()
  })

  it('a token that grants nothing (wrong password) is refused once, with the source named and no secret in the message', async () => {
    const loc = parseOciUrl(oci.reg.url('bearer/out'), undefined, 'test')
    const client = new OciClient(loc, { credentials: { kind: 'basic', username, password: `${password}x`, source: 'test env' } })
    const err = (await client.headManifest('latest').catch((e: unknown) => e)) as RemoteError
    expect(err.kind).toBe('unauthorized')
    expect(err.message).toMatch(/refused the credentials from test env \(HTTP 401\)/)
    expect(err.message).not.toContain(password)
    await client.close()
  })
})

describe('parseOciUrl', () => {
  it('accepts oci://HOST[:PORT]/REPOSITORY, plain HTTP by default only on loopback', () => {
    expect(parseOciUrl('oci://ghcr.io/org/outputs', undefined, 'x')).toEqual({ registry: 'ghcr.io', repository: 'org/outputs', plainHttp: false })
    expect(parseOciUrl('oci://localhost:5000/o', undefined, 'x').plainHttp).toBe(true)
    expect(parseOciUrl('oci://127.0.0.1:5000/o', undefined, 'x').plainHttp).toBe(true)
    expect(parseOciUrl('oci://[::1]:5000/o', undefined, 'x').plainHttp).toBe(true)
    expect(parseOciUrl('oci://registry.lan:5000/o', true, 'x').plainHttp).toBe(true)
  })
  it.each([
    ['https://ghcr.io/org/x', /does not start with oci:\/\//],
    ['oci://ghcr.io', /no repository/],
    ['oci://user:secret@ghcr.io/org/x', /carries credentials/],
    ['oci://ghcr.io/Org/X', /invalid repository/],
    ['oci://ghcr.io/org/../x', /invalid repository/],
    ['oci://gh cr.io/org/x', /invalid host/],
    ['oci://ghcr.io:99999/org/x', /invalid port/],
  ])('refuses %s', (url, re) => {
    let err: unknown
    try {
      parseOciUrl(url, undefined, '.modelops-bundle/config.yaml')
    } catch (e) {
      err = e
    }
    expect(String((err as Error).message)).toMatch(re)
    expect(String((err as Error).message)).not.toContain('secret')
  })
})
