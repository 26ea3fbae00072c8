// Where the remote cache settings come from, in one place: config.yaml's `remote_cache` block, the plugin option
// `remoteCache` (overrides config.yaml), and MODELOPS_REMOTE_CACHE / MODELOPS_REMOTE_CACHE_PUSH (override both; CI).
import path from 'node:path'
import { ModelopsError } from '../../errors.js'
import type { ProjectConfig } from '../../project/project.js'
import type { CredentialSource } from './auth.js'
import { OciRemoteTier } from './oci-tier.js'
import { parseOciUrl, type OciLocation } from './reference.js'

export const ENV_REMOTE_CACHE = 'MODELOPS_REMOTE_CACHE'
export const ENV_REMOTE_CACHE_PUSH = 'MODELOPS_REMOTE_CACHE_PUSH'

/** The plugin option `remoteCache` (and the CLI's view of the same settings). */
export interface RemoteCacheOptions {
  /** `oci://HOST[:PORT]/REPOSITORY`. @default config.yaml `remote_cache.url`; none means no remote tier */
  url?: string
  /** Push entries this machine generates. @default config.yaml `remote_cache.push`, else true */
  push?: boolean
  /**
   * http:// instead of https://. Applies to the url given beside it (here, or in config.yaml); a url from
   * MODELOPS_REMOTE_CACHE gets the default.
   * @default true for localhost, 127.0.0.1 and [::1] only
   */
  plainHttp?: boolean
  /** Give up connecting after this many milliseconds. @default config.yaml `remote_cache.connect_timeout`, else 5000 */
  connectTimeout?: number
}

export interface ResolvedRemoteCache {
  location: OciLocation
  push: boolean
  connectTimeout: number
  /** Which setting named the url (for messages). */
  source: string
}

/**
 * The effective remote cache settings, or undefined when none is configured (or it is switched off:
 * `remoteCache: false`, or MODELOPS_REMOTE_CACHE set to an empty string or `off`).
 */
export function resolveRemoteCache(input: {
  config?: ProjectConfig['remote_cache']
  /** config.yaml's path as the user should see it. */
  configFile?: string
  option?: RemoteCacheOptions | false
  env?: NodeJS.ProcessEnv
}): ResolvedRemoteCache | undefined {
  const env = input.env ?? process.env
  const config = input.config
  const option = input.option === false ? undefined : input.option
  let url: string | undefined
  let plainHttp: boolean | undefined
  let source: string
  const envUrl = env[ENV_REMOTE_CACHE]
  if (envUrl !== undefined) {
    if (envUrl.trim() === '' || envUrl.trim() === 'off') return undefined
    url = envUrl.trim()
    source = ENV_REMOTE_CACHE
  } else if (input.option === false) {
    return undefined
  } else if (option?.url !== undefined) {
    url = option.url
    plainHttp = option.plainHttp
    source = 'the remoteCache option'
  } else if (config?.url !== undefined) {
    url = config.url
    plainHttp = option?.plainHttp ?? config.plain_http
    source = input.configFile ?? '.modelops-bundle/config.yaml'
  } else return undefined
  const location = parseOciUrl(url, plainHttp, source)
  let push = option?.push ?? config?.push ?? true
  const envPush = env[ENV_REMOTE_CACHE_PUSH]
  if (envPush !== undefined && envPush !== '') {
    if (envPush !== '0' && envPush !== '1') {
      throw new ModelopsError('CONFIG_INVALID', `${ENV_REMOTE_CACHE_PUSH} must be 0 or 1, got ${JSON.stringify(envPush.slice(0, 40))}`, {
        hint: `set ${ENV_REMOTE_CACHE_PUSH}=1 to push generated outputs, 0 to only read`,
      })
    }
    push = envPush === '1'
  }
  const connectTimeout = option?.connectTimeout ?? config?.connect_timeout ?? 5000
  if (!(connectTimeout > 0)) throw new ModelopsError('CONFIG_INVALID', `remote cache connectTimeout must be a positive number of milliseconds, got ${connectTimeout}`)
  return { location, push, connectTimeout, source }
}

/** The remote tier for resolved settings (credentials from the environment or ~/.docker/config.json unless given). */
export function openRemoteTier(settings: ResolvedRemoteCache, options: { credentials?: CredentialSource | null; responseTimeout?: number; onWarning?: (message: string) => void } = {}): OciRemoteTier {
  return new OciRemoteTier(settings.location, { push: settings.push, connectTimeout: settings.connectTimeout, ...options })
}

/** The remote tier a project's settings ask for (config.yaml, then `option`, then the environment), or undefined. */
export function configuredRemoteTier(
  project: { root: string; configPath: string; config: ProjectConfig },
  option?: RemoteCacheOptions | false,
  env: NodeJS.ProcessEnv = process.env,
  options: { onWarning?: (message: string) => void } = {},
): OciRemoteTier | undefined {
  const configFile = path.relative(project.root, project.configPath).split(path.sep).join('/')
  const settings = resolveRemoteCache({ config: project.config.remote_cache, configFile, option, env })
  return settings ? openRemoteTier(settings, options) : undefined
}
