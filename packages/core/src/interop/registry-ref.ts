// The Python modelops-bundle refuses a config.yaml without `registry_ref` (the OCI repository its push uses). Its
// `init --env NAME` (default dev) makes it from ~/.modelops/bundle-env/NAME.yaml: `registry.login_server`, plus
// `/<project folder name>` unless the server already names a repository (ops.initialize_bundle).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ModelopsError } from '../errors.js'
import { yamlLib } from '../project/yaml.js'

/** Where none of the user's bundle environments names a registry: the Python tool's local environment. */
export const FALLBACK_LOGIN_SERVER = 'localhost:5555'

export interface RegistryRefDefault {
  registryRef: string
  /** The environment file it came from, or null for the fallback server. */
  source: string | null
}

/** `registry_ref` as the Python tool's `init --env env` would write it for a project folder named `projectName`. */
export function defaultRegistryRef(projectName: string, env = 'dev', home = os.homedir()): RegistryRefDefault {
  if (!/^[A-Za-z0-9._-]+$/.test(env)) throw new ModelopsError('USAGE', `invalid environment name ${JSON.stringify(env)}`, { hint: 'environments are file names in ~/.modelops/bundle-env/, e.g. dev or local' })
  const file = path.join(home, '.modelops', 'bundle-env', `${env}.yaml`)
  const server = loginServer(file)
  const base = server ?? FALLBACK_LOGIN_SERVER
  const registryRef = !base.includes('/') || base.endsWith('/') ? `${base.replace(/\/+$/, '')}/${projectName}` : base
  return { registryRef, source: server === null ? null : file }
}

/** `registry.login_server` of a bundle environment file, or null when there is none (a missing file is not an error). */
function loginServer(file: string): string | null {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch {
    return null
  }
  try {
    const doc = yamlLib().parse(text, { maxAliasCount: 100 }) as { registry?: { login_server?: unknown } } | null
    const server = doc?.registry?.login_server
    return typeof server === 'string' && server.trim() !== '' ? server.trim() : null
  } catch {
    return null // a broken environment file: the Python tool would fail; we fall back and say so
  }
}

/** A registry_ref given on the command line: one line of printable text, as the Python tool needs a repository reference. */
export function checkRegistryRef(ref: string): string {
  // eslint-disable-next-line no-control-regex
  if (ref.trim() === '' || /[\u0000-\u001f\u007f\s]/.test(ref)) {
    throw new ModelopsError('USAGE', `invalid --registry-ref ${JSON.stringify(ref)}`, { hint: 'give an OCI repository such as localhost:5555/epi_model or ghcr.io/org/epi_model' })
  }
  return ref
}
