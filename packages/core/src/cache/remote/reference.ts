// `oci://HOST[:PORT]/REPOSITORY`: where a remote output cache lives. Parsed strictly: the host and repository end up
// in request URLs, so anything the distribution spec does not allow is refused before a request is made.
import { ModelopsError } from '../../errors.js'

export interface OciLocation {
  /** `host` or `host:port` as written (lower-cased), the key of credentials in ~/.docker/config.json. */
  registry: string
  /** e.g. `team/model-outputs` */
  repository: string
  /** http:// instead of https://. */
  plainHttp: boolean
}

/** The distribution spec's repository name grammar (path components of lowercase alphanumerics and separators). */
const REPOSITORY_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/
/** A DNS name, IPv4 address, or bracketed IPv6 address, with an optional port. */
const HOST_RE = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

/** Plain HTTP is only the default for the loopback interface: anywhere else credentials and bytes would travel in clear. */
export function isLoopback(registry: string): boolean {
  const host = registry.startsWith('[') ? registry.slice(0, registry.indexOf(']') + 1) : registry.split(':')[0]!
  return LOOPBACK.has(host)
}

/**
 * Parse `oci://HOST[:PORT]/REPOSITORY`. `plainHttp` undefined means the default: on for localhost, 127.0.0.1
 * and [::1] only. `where` names the setting for the error (e.g. `.modelops-bundle/config.yaml`).
 */
export function parseOciUrl(url: string, plainHttp: boolean | undefined, where: string): OciLocation {
  const fail = (why: string): never => {
    throw new ModelopsError('CONFIG_INVALID', `remote cache url ${JSON.stringify(redactUrl(url))} ${why}`, {
      file: where,
      hint: 'write it as oci://HOST[:PORT]/REPOSITORY, e.g. oci://ghcr.io/my-org/model-outputs (credentials go in MODELOPS_REMOTE_CACHE_USERNAME/PASSWORD or ~/.docker/config.json)',
    })
  }
  if (typeof url !== 'string' || !url.startsWith('oci://')) fail('does not start with oci://')
  const rest = url.slice('oci://'.length)
  const slash = rest.indexOf('/')
  if (slash <= 0) fail('has no repository after the host')
  const authority = rest.slice(0, slash).toLowerCase()
  const repository = rest.slice(slash + 1).replace(/\/+$/, '')
  if (authority.includes('@')) fail('carries credentials; they would end up in logs')
  const m = HOST_RE.exec(authority)
  if (!m) fail(`has an invalid host ${JSON.stringify(authority)}`)
  if (m![1] !== undefined && (Number(m![1]) < 1 || Number(m![1]) > 65535)) fail(`has an invalid port ${m![1]}`)
  if (/[?#]/.test(repository)) fail('has a query or fragment')
  if (repository.length > 255 || !REPOSITORY_RE.test(repository)) {
    fail(`has an invalid repository name ${JSON.stringify(repository)} (lowercase letters, digits, and . _ - / between them)`)
  }
  return { registry: authority, repository, plainHttp: plainHttp ?? isLoopback(authority) }
}

/** The location as `oci://host/repo` for messages; never carries credentials (parseOciUrl refuses them). */
export function formatOciUrl(loc: OciLocation): string {
  return `oci://${loc.registry}/${loc.repository}`
}

/** A url as the user wrote it, with any `user:pass@` masked, for error messages. */
export function redactUrl(url: string): string {
  return String(url).replace(/^(oci:\/\/|https?:\/\/)?[^/@]*@/, (_m, scheme: string | undefined) => `${scheme ?? ''}***@`)
}
