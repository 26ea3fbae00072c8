// A real OCI registry for tests and the bench: Debian's `docker-registry` (distribution 2.8) on a free port with a
// filesystem backend in a temp folder, optionally behind htpasswd auth, and a small fault proxy (node:http) that can
// refuse, stall, answer an error status, cut a body short or flip a byte. Plain JS so vitest tests and bench/*.mjs
// share it (types in oci-registry.d.mts).
import { execFileSync, spawn } from 'node:child_process'
import crypto from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'

export const REGISTRY_BIN = process.env.MODELOPS_TEST_REGISTRY_BIN || '/usr/bin/docker-registry'

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/**
 * A token server for the distribution spec's Bearer flow (what ghcr, Harbor and ECR speak): `GET /token?service=&scope=`
 * with Basic credentials answers a JWT (RS256, its self-signed certificate in `x5c`) granting the scope's actions;
 * wrong or no credentials get a token granting nothing. `requests` logs "scope|user" per call.
 */
async function startTokenServer(dir, { username, password }) {
  const key = path.join(dir, 'token.key')
  const cert = path.join(dir, 'token.crt')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=mops-test-token'], { stdio: 'ignore' })
  const keyPem = readFileSync(key, 'utf8')
  const der = new crypto.X509Certificate(readFileSync(cert)).raw.toString('base64')
  const b64u = (x) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url')
  const requests = []
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const auth = req.headers.authorization ?? ''
    const [user, pass] = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString().split(':') : []
    const ok = user === username && pass === password
    const scopes = url.searchParams.getAll('scope')
    requests.push(`${scopes.join(' ')}|${user ?? ''}`)
    const access = ok
      ? scopes.map((s) => { const [type, name, actions] = s.split(':'); return { type, name, actions: actions.split(',') } })
      : []
    const now = Math.floor(Date.now() / 1000)
    const header = b64u({ alg: 'RS256', typ: 'JWT', x5c: [der] })
    const claims = b64u({ iss: 'mops-test-issuer', sub: user ?? '', aud: url.searchParams.get('service'), exp: now + 600, nbf: now - 60, iat: now, jti: crypto.randomBytes(8).toString('hex'), access })
    const sig = crypto.createSign('RSA-SHA256').update(`${header}.${claims}`).sign(keyPem).toString('base64url')
    const body = JSON.stringify({ token: `${header}.${claims}.${sig}`, expires_in: 600 })
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(body)
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  return { port: server.address().port, cert, requests, close: () => new Promise((r) => server.close(r)) }
}

/**
 * A registry for the tests of one file or describe block, and unless `proxy: false` a fault proxy in front of it:
 * started in `hooks.beforeAll`, stopped in `hooks.afterAll`. The hooks are vitest's, passed in because the
 * benchmarks use this module outside vitest. Read `.reg` and `.proxy` inside tests (they exist once beforeAll ran).
 * @param {{ beforeAll(fn: () => Promise<void>): void, afterAll(fn: () => Promise<void>): void }} hooks
 * @param {{ auth?: { username: string, password: string }, token?: { username: string, password: string }, proxy?: boolean }} [options]
 */
export function useRegistry(hooks, options = {}) {
  const { proxy: withProxy = true, ...registryOptions } = options
  let reg
  let proxy
  hooks.beforeAll(async () => {
    reg = await startRegistry(registryOptions)
    if (withProxy) proxy = await startFaultProxy(reg.host)
  })
  hooks.afterAll(async () => {
    await proxy?.close()
    await reg?.stop()
  })
  const started = (what, value) => {
    if (!value) throw new Error(`useRegistry: no ${what} here (it starts in beforeAll${what === 'proxy' && !withProxy ? '; this one was asked for without a proxy' : ''})`)
    return value
  }
  return {
    get reg() {
      return started('registry', reg)
    },
    get proxy() {
      return started('proxy', proxy)
    },
  }
}

/**
 * Start docker-registry. Fails (never skips) when it is not installed: `.ci/run` installs it.
 * `auth`: htpasswd (Basic). `token`: the Bearer flow through a token server (startTokenServer).
 * @param {{ auth?: { username: string, password: string }, token?: { username: string, password: string } }} [options]
 */
export async function startRegistry(options = {}) {
  if (!existsSync(REGISTRY_BIN)) {
    throw new Error(`${REGISTRY_BIN} is missing: apt-get install -y docker-registry apache2-utils (.ci/run does)`)
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'mops-registry-'))
  let authYaml = ''
  let tokenServer
  if (options.token) {
    tokenServer = await startTokenServer(dir, options.token)
    authYaml = `auth: {token: {realm: "http://127.0.0.1:${tokenServer.port}/token", service: mops-test, issuer: mops-test-issuer, rootcertbundle: ${tokenServer.cert}}}\n`
  }
  if (options.auth) {
    const htpasswd = path.join(dir, 'htpasswd')
    // bcrypt, as distribution requires; htpasswd comes from apache2-utils.
    writeFileSync(htpasswd, execFileSync('htpasswd', ['-Bbn', options.auth.username, options.auth.password]))
    authYaml = `auth: {htpasswd: {realm: test, path: ${htpasswd}}}\n`
  }
  for (let attempt = 0; ; attempt++) {
    const port = await freePort()
    const config = path.join(dir, 'config.yml')
    writeFileSync(
      config,
      `version: 0.1\nlog: {level: error, accesslog: {disabled: true}}\nstorage: {filesystem: {rootdirectory: ${path.join(dir, 'data')}}, delete: {enabled: true}}\nhttp: {addr: 127.0.0.1:${port}}\n${authYaml}`,
    )
    const env = { ...process.env }
    delete env.AWS_CA_BUNDLE // the S3 driver panics on it, even unused
    const child = spawn(REGISTRY_BIN, ['serve', config], { env, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)))
    let exited = false
    child.once('exit', () => (exited = true))
    const host = `127.0.0.1:${port}`
    for (let i = 0; i < 600 && !exited; i++) {
      const status = await fetch(`http://${host}/v2/`).then((r) => r.status, () => 0)
      if (status === 200 || status === 401) {
        return {
          host,
          port,
          dir,
          config,
          child,
          /** `oci://127.0.0.1:PORT/<repository>` */
          url: (repository = 'outputs') => `oci://${host}/${repository}`,
          /** Scopes asked of the token server, "scope|user" per call (with `token`). */
          tokenRequests: tokenServer?.requests ?? [],
          /** Stop the registry and remove its storage. */
          async stop() {
            await tokenServer?.close()
            if (!exited) {
              child.kill('SIGTERM')
              await new Promise((r) => child.once('exit', r))
            }
            rmSync(dir, { recursive: true, force: true })
          },
        }
      }
      await sleep(50)
    }
    child.kill('SIGKILL')
    if (attempt >= 2) throw new Error(`docker-registry did not start: ${stderr}`)
  }
}

/**
 * A fault proxy in front of a registry. `proxy.fault` decides what happens to the next requests:
 *   undefined        pass through
 *   'stall'          accept the connection, never answer
 *   { status }       answer that status (with a distribution error body), e.g. 401, 403, 404, 500, 503
 *   'cut'            GET of a blob: send the headers and half the body, then close the connection
 *   'flip'           GET of a blob: flip one byte of the body (same length)
 * `match` (a RegExp on "METHOD path") limits the fault to some requests. `proxy.requests` logs "METHOD path".
 * @param {string} target host:port of the registry
 */
export async function startFaultProxy(target) {
  const sockets = new Set()
  const state = {
    /** @type {undefined | 'stall' | 'cut' | 'flip' | { status: number }} */
    fault: undefined,
    /** @type {RegExp | undefined} */
    match: undefined,
    /** @type {string[]} */
    requests: [],
    /** Authorization headers seen (to check what the client sent). */
    authorizations: [],
  }
  const server = http.createServer((req, res) => {
    const line = `${req.method} ${req.url}`
    state.requests.push(line)
    if (req.headers.authorization) state.authorizations.push(req.headers.authorization)
    const fault = state.match && !state.match.test(line) ? undefined : state.fault
    if (fault === 'stall') return // never answer; the socket is destroyed on close()
    if (fault && typeof fault === 'object') {
      req.resume()
      const body = JSON.stringify({ errors: [{ code: 'FAULT', message: `fault proxy: ${fault.status}` }] })
      const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
      if (fault.status === 401) headers['www-authenticate'] = 'Basic realm="fault"'
      res.writeHead(fault.status, headers)
      return res.end(body)
    }
    const blobGet = req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '')
    const up = http.request({ host: target.split(':')[0], port: Number(target.split(':')[1]), method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      if (blobGet && (fault === 'cut' || fault === 'flip') && upRes.statusCode === 200) {
        const length = Number(upRes.headers['content-length'])
        res.writeHead(200, upRes.headers)
        let sent = 0
        upRes.on('data', (chunk) => {
          if (fault === 'cut') {
            const room = Math.floor(length / 2) - sent
            if (room <= 0) return
            const part = chunk.subarray(0, room)
            sent += part.length
            res.write(part)
            if (sent >= Math.floor(length / 2)) res.socket?.destroy()
          } else {
            const copy = Buffer.from(chunk)
            if (sent === 0 && copy.length > 0) copy[0] ^= 0xff
            sent += copy.length
            res.write(copy)
          }
        })
        upRes.on('end', () => res.end())
        return
      }
      res.writeHead(upRes.statusCode ?? 502, upRes.headers)
      upRes.pipe(res)
    })
    up.on('error', () => res.destroy())
    req.pipe(up)
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address()
  const host = `127.0.0.1:${port}`
  return Object.assign(state, {
    host,
    port,
    url: (repository = 'outputs') => `oci://${host}/${repository}`,
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise((r) => server.close(r))
    },
  })
}

/** A port nothing listens on (the registry is "down"). */
export async function deadPort() {
  return freePort()
}

/** A TCP server that accepts connections and never says a word: a TLS handshake to it never completes (connect timeout). */
export async function startSilentServer() {
  const sockets = new Set()
  const server = net.createServer((s) => {
    sockets.add(s)
    s.on('error', () => {})
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address()
  return {
    host: `127.0.0.1:${port}`,
    port,
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise((r) => server.close(r))
    },
  }
}
