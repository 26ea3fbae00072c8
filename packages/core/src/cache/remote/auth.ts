// Credentials for a registry and the distribution spec's token flow. Secrets live only in this module's objects and
// in request headers: never in messages, errors, manifests or files (the tests grep every output for them).
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import path from 'node:path'

export type Credentials =
  | { kind: 'basic'; username: string; password: string; source: string }
  /** An OAuth2 refresh token (`identitytoken` in ~/.docker/config.json, e.g. after `az acr login`). */
  | { kind: 'identity'; token: string; source: string }

export const ENV_USERNAME = 'MODELOPS_REMOTE_CACHE_USERNAME'
export const ENV_PASSWORD = 'MODELOPS_REMOTE_CACHE_PASSWORD'

/** Credentials a docker credential helper keeps: fetched (docker-credential-<helper> get) when the registry first asks. */
export interface HelperCredentials {
  kind: 'helper'
  /** The helper's name: the program is `docker-credential-<helper>` on PATH. */
  helper: string
  /** What the helper is asked for on stdin: the registry host[:port], as `docker login` stores it. */
  server: string
  /** Where the helper was named, for messages: `~/.docker/config.json (credsStore)`. */
  source: string
  /** The `auths` entry of the same file, used when the helper has nothing for this registry (as docker does). */
  fallback?: Credentials
}

export type CredentialSource = Credentials | HelperCredentials

/** A helper name that stays a name: `docker-credential-<name>` looked up on PATH, never a path. */
const HELPER_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/**
 * Credentials for `registry` (host[:port]), as docker looks them up: MODELOPS_REMOTE_CACHE_USERNAME/PASSWORD, else
 * `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`, which docker and ORAS write): the registry's
 * `credHelpers` entry, else `credsStore`, else its `auths` entry. A helper is only named here; the client runs it
 * when the registry first asks for credentials (credential-helper.ts). Undefined means anonymous.
 */
export function findCredentials(registry: string, env: NodeJS.ProcessEnv = process.env): CredentialSource | undefined {
  const username = env[ENV_USERNAME]
  const password = env[ENV_PASSWORD]
  if (username || password) return { kind: 'basic', username: username ?? '', password: password ?? '', source: `${ENV_USERNAME}/${ENV_PASSWORD}` }
  const file = path.join(env.DOCKER_CONFIG || path.join(env.HOME || homedir(), '.docker'), 'config.json')
  let config: { auths?: unknown; credsStore?: unknown; credHelpers?: unknown }
  try {
    config = JSON.parse(readFileSync(file, 'utf8')) as typeof config
    if (!config || typeof config !== 'object') return undefined
  } catch {
    return undefined // no file, or one we cannot read: anonymous (a broken docker config must not break a build)
  }
  const fromAuths = authsEntry(config.auths, registry, `${file} (auths)`)
  const helperOf = (value: unknown, source: string): HelperCredentials | undefined =>
    typeof value === 'string' && HELPER_NAME_RE.test(value) ? { kind: 'helper', helper: value, server: registry, source, ...(fromAuths ? { fallback: fromAuths } : {}) } : undefined
  if (config.credHelpers && typeof config.credHelpers === 'object') {
    for (const [key, value] of Object.entries(config.credHelpers as Record<string, unknown>)) {
      if (authsKeyHost(key) === registry) return helperOf(value, `${file} (credHelpers)`) ?? fromAuths
    }
  }
  return helperOf(config.credsStore, `${file} (credsStore)`) ?? fromAuths
}

/** The `auths` entry for `registry`: `identitytoken`, `username`/`password`, or `auth` (base64 `user:pass`). */
function authsEntry(auths: unknown, registry: string, source: string): Credentials | undefined {
  if (!auths || typeof auths !== 'object') return undefined
  for (const [key, value] of Object.entries(auths as Record<string, unknown>)) {
    if (authsKeyHost(key) !== registry || !value || typeof value !== 'object') continue
    const v = value as { auth?: unknown; username?: unknown; password?: unknown; identitytoken?: unknown }
    if (typeof v.identitytoken === 'string' && v.identitytoken) return { kind: 'identity', token: v.identitytoken, source }
    if (typeof v.username === 'string' && typeof v.password === 'string') return { kind: 'basic', username: v.username, password: v.password, source }
    if (typeof v.auth === 'string' && v.auth) {
      const decoded = Buffer.from(v.auth, 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      if (colon > 0) return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source }
    }
  }
  return undefined
}

/** `https://ghcr.io/v1/`, `ghcr.io` and `http://localhost:5000` all name a host the way parseOciUrl does. */
function authsKeyHost(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').split('/')[0]!.toLowerCase()
}

export function basicHeader(c: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`
}

export interface Challenge {
  scheme: string
  params: Record<string, string>
}

/** Parse `WWW-Authenticate: Bearer realm="…",service="…",scope="repository:x:pull,push"` (quoted values may hold commas). */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined
  const m = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header)
  if (!m) return undefined
  const params: Record<string, string> = Object.create(null)
  const re = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?/g
  for (let p = re.exec(m[2]!); p; p = re.exec(m[2]!)) params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!
  return { scheme: m[1]!.toLowerCase(), params }
}
