// The HTTP layer under the OCI client: one exchange on undici (its `request` API, loaded on first use), and failures
// in words, as RemoteErrors that name the registry and the call, never a credential or a header.
import { createRequire } from 'node:module'
import type { Agent, request as undiciRequest } from 'undici'

type Undici = typeof import('undici')
let undici: Undici | undefined
/** undici on the first request: a build or command without a remote cache never loads its ~1 MB of JS. */
export function loadUndici(): Undici {
  return (undici ??= createRequire(import.meta.url)('undici') as Undici)
}

export type RemoteErrorKind = 'unreachable' | 'timeout' | 'unauthorized' | 'forbidden' | 'not-found' | 'server' | 'integrity' | 'protocol'

/** A failure talking to the registry. Its message names the registry and the call, never a credential. */
export class RemoteError extends Error {
  override readonly name = 'RemoteError'
  constructor(
    readonly kind: RemoteErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message)
  }
}

export function isRemoteError(err: unknown): err is RemoteError {
  return err instanceof RemoteError
}

/**
 * Throw a RemoteError for any status not in `ok` (the registry's own error code included, never a header); `prefix`
 * names the registry and the call.
 */
export async function expectStatus(res: Response, ok: number[], prefix: string): Promise<void> {
  if (ok.includes(res.status)) return
  let detail = ''
  try {
    const text = (await res.text()).slice(0, 2000)
    const errors = (JSON.parse(text) as { errors?: Array<{ code?: unknown; message?: unknown }> }).errors
    if (Array.isArray(errors) && errors[0]) detail = `: ${String(errors[0].code ?? '')} ${String(errors[0].message ?? '')}`.trimEnd().slice(0, 200)
  } catch {
    // no JSON error body
  }
  const s = res.status
  const kind: RemoteErrorKind = s === 401 ? 'unauthorized' : s === 403 ? 'forbidden' : s === 404 ? 'not-found' : s >= 500 ? 'server' : 'protocol'
  const words = s === 403 ? ' (the credentials lack the right: a read-only token cannot push)' : s === 404 ? ' (no such repository or object)' : ''
  throw new RemoteError(kind, `${prefix}: HTTP ${s}${detail}${words}`, s)
}

/** A fetch/stream failure in words: refused, timed out, cut off (the AbortError of a cancelled build passes through). */
export function networkError(err: unknown, prefix: string, ctx: { registry: string; connectTimeout: number; responseTimeout: number }): Error {
  if (err instanceof RemoteError) return err
  const e = err as { name?: string; code?: string; cause?: { code?: string; message?: string } }
  if (e?.name === 'AbortError') return err as Error
  const code = e?.cause?.code ?? e?.code ?? ''
  const say = (kind: RemoteErrorKind, why: string) => new RemoteError(kind, `${prefix}: ${why}`)
  switch (code) {
    case 'ECONNREFUSED':
      return say('unreachable', 'connection refused (is the registry running?)')
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return say('unreachable', `host ${ctx.registry} not found`)
    case 'UND_ERR_CONNECT_TIMEOUT':
      return say('timeout', `no connection within ${ctx.connectTimeout / 1000} s`)
    case 'UND_ERR_HEADERS_TIMEOUT':
      return say('timeout', `no answer within ${ctx.responseTimeout / 1000} s`)
    case 'UND_ERR_BODY_TIMEOUT':
      return say('timeout', `the transfer stalled for ${ctx.responseTimeout / 1000} s`)
    case 'UND_ERR_SOCKET':
    case 'ECONNRESET':
    case 'EPIPE':
      return say('integrity', 'the connection closed mid-transfer')
    default: {
      const msg = e?.cause?.message ?? (err as Error)?.message ?? String(err)
      // "terminated" is undici's word for a body cut short.
      return say(/terminated|other side closed/i.test(msg) ? 'integrity' : 'unreachable', msg === 'terminated' ? 'the transfer was cut short' : `${code ? `${code} ` : ''}${msg}`)
    }
  }
}

/** Read and drop a response's body, so its connection can be reused. */
export async function drain(res: Response): Promise<void> {
  await res.body.dump().catch(() => {})
}

type BodyReadable = Awaited<ReturnType<typeof undiciRequest>>['body']

/** The parts of a response this client reads, in fetch's words (status, headers.get, text/json). */
export interface Response {
  status: number
  ok: boolean
  headers: { get(name: string): string | null }
  body: BodyReadable
  text(): Promise<string>
  json(): Promise<unknown>
}

/** One HTTP exchange; redirects are not followed (request() decides where credentials may go). */
export async function send(
  agent: Agent,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: Buffer | AsyncIterable<Uint8Array>; signal?: AbortSignal; highWaterMark?: number },
): Promise<Response> {
  const r = await loadUndici().request(url, { method: init.method as 'GET', headers: init.headers, body: init.body as never, signal: init.signal, dispatcher: agent, ...(init.highWaterMark ? { highWaterMark: init.highWaterMark } : {}) })
  return {
    status: r.statusCode,
    ok: r.statusCode >= 200 && r.statusCode < 300,
    headers: {
      get(name) {
        const v = r.headers[name.toLowerCase()]
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v
      },
    },
    body: r.body,
    text: () => r.body.text(),
    json: () => r.body.json(),
  }
}
