// The docker credential helper protocol (docker-credential-helpers): `docker-credential-<name> get` reads the server
// on stdin and prints {"ServerURL","Username","Secret"} as JSON; Username "<token>" means Secret is an identity
// (refresh) token. Run only when a registry asks for credentials. Nothing the helper prints ever goes into a message.
import { execFile } from 'node:child_process'
import type { Credentials, HelperCredentials } from './auth.js'

/** What the helper gave: credentials, none (anonymous), and why not when it failed (for one warning). */
export interface HelperResult {
  credentials?: Credentials
  /** Why the helper gave nothing, in words naming the helper and never what it printed; undefined when it worked. */
  problem?: string
}

/** docker-credential-helpers' answer when it has nothing for the server: not an error (docker goes anonymous). */
const NOT_FOUND_RE = /credentials not found/i

/**
 * Ask `docker-credential-<helper> get` for the registry's credentials. A helper with nothing for this registry falls
 * back to the `auths` entry (or anonymous), quietly, as docker does; a helper that is missing, fails, hangs or prints
 * something unreadable gives anonymous access and a problem to warn about.
 */
export function runCredentialHelper(found: HelperCredentials, options: { timeout?: number; env?: NodeJS.ProcessEnv } = {}): Promise<HelperResult> {
  const program = `docker-credential-${found.helper}`
  const timeout = options.timeout ?? 60_000
  const named = `the docker credential helper ${program} (named in ${found.source})`
  return new Promise((resolve) => {
    const child = execFile(program, ['get'], { timeout, maxBuffer: 1 << 20, env: options.env ?? process.env, windowsHide: true }, (err, stdout) => {
      if (err) {
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string }
        if (e.code === 'ENOENT') return resolve({ problem: `${named} is not on PATH` })
        if (e.killed) return resolve({ problem: `${named} did not answer within ${timeout / 1000} s` })
        if (NOT_FOUND_RE.test(String(stdout))) return resolve(found.fallback ? { credentials: found.fallback } : {})
        return resolve({ problem: `${named} failed (${typeof e.code === 'number' ? `exit ${e.code}` : 'it could not run'})` })
      }
      let answer: { Username?: unknown; Secret?: unknown }
      try {
        answer = JSON.parse(String(stdout)) as typeof answer
      } catch {
        return resolve({ problem: `${named} printed something other than JSON` })
      }
      const source = `${program} (${found.source})`
      if (!answer || typeof answer.Secret !== 'string' || answer.Secret === '') return resolve({ problem: `${named} gave no secret` })
      if (answer.Username === '<token>') return resolve({ credentials: { kind: 'identity', token: answer.Secret, source } })
      resolve({ credentials: { kind: 'basic', username: typeof answer.Username === 'string' ? answer.Username : '', password: answer.Secret, source } })
    })
    // A helper that exits before reading stdin must not crash us with EPIPE.
    child.stdin?.on('error', () => {})
    child.stdin?.end(found.server)
  })
}
