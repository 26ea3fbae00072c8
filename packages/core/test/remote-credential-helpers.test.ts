// Docker credential helpers (credsStore, credHelpers in ~/.docker/config.json) against the htpasswd-protected real
// registry: real executables on PATH speak the docker-credential-* protocol (`get`, server on stdin, JSON on stdout).
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OciClient, RemoteError } from '../src/cache/remote/oci-client.js'
import { findCredentials } from '../src/cache/remote/auth.js'
import { parseOciUrl } from '../src/cache/remote/reference.js'
import { useRegistry } from '../../../test/support/oci-registry.mjs'

describe('docker credential helpers', () => {
  const username = 'helper-user'
  const password = `pw-${randomBytes(8).toString('hex')}`
  const oci = useRegistry({ beforeAll, afterAll }, { auth: { username, password }, proxy: false })
  const bin = mkdtempSync(path.join(tmpdir(), 'mops-helpers-'))
  const log = path.join(bin, 'asked.log')
  const savedPath = process.env.PATH
  beforeAll(() => {
    const helper = (name: string, body: string) => {
      writeFileSync(path.join(bin, `docker-credential-${name}`), `#!/bin/sh\n${body}\n`)
      chmodSync(path.join(bin, `docker-credential-${name}`), 0o755)
    }
    // Knows this registry only; logs every question (the server it was asked for).
    helper('mops-good', [
      'read server',
      `echo "$1 $server" >> '${log}'`,
      `if [ "$1" = get ] && [ "$server" = '${oci.reg.host}' ]; then`,
      `  printf '{"ServerURL":"%s","Username":"${username}","Secret":"${password}"}' "$server"`,
      'else echo "credentials not found in native keychain"; exit 1; fi',
    ].join('\n'))
    // Fails, printing things that must never reach a message.
    helper('mops-broken', `echo "leaked-${password}" >&2; echo "stdout-${password}"; exit 3`)
    process.env.PATH = `${bin}${path.delimiter}${savedPath}`
  })
  afterAll(() => {
    process.env.PATH = savedPath
  })

  /** A HOME whose ~/.docker/config.json is `config`; the client for it, and the warnings it gave. */
  const clientWith = (config: object) => {
    const home = mkdtempSync(path.join(tmpdir(), 'mops-home-'))
    mkdirSync(path.join(home, '.docker'))
    writeFileSync(path.join(home, '.docker', 'config.json'), JSON.stringify(config))
    const loc = parseOciUrl(oci.reg.url('helped/out'), undefined, 'test')
    const warnings: string[] = []
    const client = new OciClient(loc, { credentials: findCredentials(loc.registry, { HOME: home }), onWarning: (m) => warnings.push(m) })
    return { client, warnings }
  }

  it('credsStore: the helper is asked once, with the registry host on stdin, and its credentials are used', async () => {
    writeFileSync(log, '')
    const { client, warnings } = clientWith({ credsStore: 'mops-good', auths: { [oci.reg.host]: {} } })
    await client.ping()
    expect(await client.tags()).toEqual([])
    await client.close()
    expect(readFileSync(log, 'utf8')).toBe(`get ${oci.reg.host}\n`)
    expect(warnings).toEqual([])
  })

  it('credHelpers for the registry wins over credsStore', async () => {
    const { client, warnings } = clientWith({ credsStore: 'mops-broken', credHelpers: { [oci.reg.host]: 'mops-good', 'other.example': 'mops-broken' } })
    await client.ping()
    await client.close()
    expect(warnings).toEqual([])
  })

  it('a helper with nothing for this registry falls back to the auths entry, quietly (as docker does)', async () => {
    // The registry named as localhost:PORT: the helper knows only 127.0.0.1:PORT and answers "not found".
    writeFileSync(log, '')
    const alias = oci.reg.host.replace('127.0.0.1', 'localhost')
    const home = mkdtempSync(path.join(tmpdir(), 'mops-home-'))
    mkdirSync(path.join(home, '.docker'))
    writeFileSync(path.join(home, '.docker', 'config.json'), JSON.stringify({ credsStore: 'mops-good', auths: { [alias]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } } }))
    const loc = parseOciUrl(`oci://${alias}/helped/out`, undefined, 'test')
    const warnings: string[] = []
    const client = new OciClient(loc, { credentials: findCredentials(loc.registry, { HOME: home }), onWarning: (m) => warnings.push(m) })
    await client.ping()
    await client.close()
    expect(readFileSync(log, 'utf8')).toBe(`get ${alias}\n`)
    expect(warnings).toEqual([])
  })

  it('a helper that fails or is missing: anonymous, one warning naming it, nothing it printed in any message', async () => {
    for (const [store, why] of [['mops-broken', /docker-credential-mops-broken \(named in .*config\.json \(credsStore\)\) failed \(exit 3\)/], ['mops-missing', /docker-credential-mops-missing .* is not on PATH/]] as const) {
      const { client, warnings } = clientWith({ credsStore: store })
      const err = (await client.ping().catch((e: unknown) => e)) as RemoteError
      // A second call does not run the helper again, nor warn again.
      await client.ping().catch(() => {})
      await client.close()
      expect(err).toBeInstanceOf(RemoteError)
      expect(err.kind).toBe('unauthorized')
      expect(err.message).toMatch(/refused anonymous access \(HTTP 401\)/)
      expect(warnings.length, warnings.join('\n')).toBe(1)
      expect(warnings[0]).toMatch(why)
      expect(warnings[0]).toMatch(/going on without credentials/)
      for (const text of [...warnings, err.message, String(err.stack)]) expect(text).not.toContain(password)
    }
  })
})
