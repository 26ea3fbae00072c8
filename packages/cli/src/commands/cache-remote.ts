// `mops-bundle cache status|push|pull`: the two tiers of the output cache (docs/remote-cache.md). Keys are those a
// build computes: the current digests and config.yaml's generator (a build with another `generate` option has others).
import { computeDigests, isModelopsError, ModelopsError, type Workspace } from '@modelops-bundle/core'
import {
  entrySource, formatBytes, ModelKeys, pullEntry, type ModelKey, type OciRemoteTier, type RemoteTier,
} from '@modelops-bundle/core/internal'
import { defineCli } from '../argv.js'
import { EXIT, type Output, table, usageError } from '../output.js'
import { currentWorkspace } from '../project.js'
import { progressLine } from '../progress.js'

const NO_REMOTE_HINT = 'set remote_cache.url in .modelops-bundle/config.yaml (oci://HOST[:PORT]/REPOSITORY) or MODELOPS_REMOTE_CACHE'

/**
 * The cache key of each selected model (all when `only` is empty), from the current digests and config.yaml's
 * generator; hashing shows progress on a terminal (progress.ts).
 */
async function modelKeys(ws: Workspace, only: string[], out: Output): Promise<ModelKey[]> {
  const generator = ws.config.generator
  if (!generator) {
    throw new ModelopsError('CONFIG_INVALID', 'config.yaml has no generator: cache keys include the generator, so there are no entries to look up', {
      file: '.modelops-bundle/config.yaml',
      hint: 'add generator: {command: ...} (the one your build uses)',
    })
  }
  const report = await computeDigests(ws, undefined, { onProgress: progressLine(out) })
  const unknown = only.filter((id) => !Object.hasOwn(report.models, id))
  if (unknown.length) throw usageError(`unknown model ${unknown.map((u) => JSON.stringify(u)).join(', ')}`, `models: ${Object.keys(report.models).sort().join(', ')}`)
  const keys = await ModelKeys.of(ws, generator, report)
  const ids = (only.length ? [...new Set(only)] : Object.keys(report.models)).sort()
  return Promise.all(ids.map((id) => keys.key(id, report.models[id]!)))
}

function remoteOf(ws: Workspace): RemoteTier {
  const remote = ws.outputs.remote
  if (!remote) throw new ModelopsError('CONFIG_INVALID', 'no remote cache is configured', { file: '.modelops-bundle/config.yaml', hint: NO_REMOTE_HINT })
  return remote
}

/** A remote failure as a user error (no stack): the message names the registry and the call, never a credential. */
function remoteFailure(err: unknown): never {
  if (isModelopsError(err)) throw err
  throw new ModelopsError('CACHE', (err as Error)?.message ?? String(err), { hint: 'check the url, the network and the credentials (MODELOPS_REMOTE_CACHE_USERNAME/PASSWORD or ~/.docker/config.json)' })
}

const modelsArg = { type: 'positional', required: false, description: 'Model ids (default: every model)' } as const
const jsonArg = { type: 'boolean', description: 'Print the result as JSON' } as const

const status = defineCli({
  name: 'cache status',
  description: 'Both tiers of the output cache: the local store, the remote (url, reachable, entries), and where each model\'s current entry is',
  args: { json: jsonArg },
  async run({ out }) {
    const ws = currentWorkspace(out)
    const { local, remote } = ws.outputs
    try {
      const info = await local.info()
      const rs = remote ? await remote.status!() : undefined
      let models: Array<{ id: string; key: string; local: boolean; remote: boolean | null }> = []
      if (ws.config.generator) {
        const keys = await modelKeys(ws, [], out)
        models = await Promise.all(
          keys.map(async (k) => ({
            id: k.id,
            key: k.key,
            local: (await local.get(k.key)).status === 'hit',
            remote: remote && rs?.reachable ? await remote.has(k.key).catch(() => null) : null,
          })),
        )
      }
      const result = {
        local: { dir: info.dir, entries: info.entries, bytes: info.bytes },
        remote: rs ? { url: rs.name, reachable: rs.reachable, push: rs.push, entries: rs.entries ?? null, ...(rs.problem ? { problem: rs.problem } : {}) } : null,
        models,
      }
      if (out.json) return out.result(result)
      out.line(`${out.c.bold('local')}   ${info.dir}  ${info.entries} entries (${formatBytes(info.bytes)})`)
      if (!rs) out.line(`${out.c.bold('remote')}  none (${NO_REMOTE_HINT})`)
      else if (rs.reachable) out.line(`${out.c.bold('remote')}  ${rs.name}  reachable, ${rs.entries ?? '?'} entries, push ${rs.push ? 'on' : 'off'}`)
      else out.line(`${out.c.bold('remote')}  ${rs.name}  NOT reachable: ${rs.problem}`)
      if (models.length) {
        out.line()
        const yes = (v: boolean | null) => (v === null ? '?' : v ? 'yes' : '-')
        out.line(table(['Model', 'Key', 'Local', 'Remote'], models.map((m) => [m.id, m.key.slice(0, 12), yes(m.local), yes(m.remote)]), { indent: '  ' }))
      }
    } finally {
      await remote?.close?.()
    }
  },
})

const push = defineCli({
  name: 'cache push',
  description: 'Upload the local entries of the current digests to the remote cache (entries it has are skipped)',
  args: { models: modelsArg, json: jsonArg },
  variadic: true,
  run: ({ out, rest }) =>
    forEachKey(out, rest(), 'pushed', async (k, ws, remote) => {
      const hit = await ws.outputs.local.get(k.key)
      if (hit.status !== 'hit') return 'not-local'
      try {
        if (await remote.has(k.key)) return 'present'
        await remote.upload(entrySource(hit.entry))
        return 'pushed'
      } catch (err) {
        return remoteFailure(err)
      }
    }),
})

const pull = defineCli({
  name: 'cache pull',
  description: 'Fetch the remote entries of the current digests into the local cache without building (warm up CI)',
  args: { models: modelsArg, json: jsonArg },
  variadic: true,
  run: ({ out, rest }) =>
    forEachKey(out, rest(), 'pulled', async (k, ws, remote) => {
      const local = ws.outputs.local
      if ((await local.get(k.key)).status === 'hit') return 'local'
      return local.withLock(k.key, async () => {
        const again = await local.get(k.key)
        if (again.status === 'hit') return 'local'
        if (again.status === 'corrupt') await local.remove(k.key)
        try {
          const found = await remote.fetch(k.key)
          if (!found) return 'not-remote'
          await pullEntry(local, found, k.meta)
          return 'pulled'
        } catch (err) {
          return remoteFailure(err)
        }
      })
    }),
})

/**
 * `one` for each selected model's key (in the workspace of the current folder, against its remote tier), then the
 * results as a table or JSON; `verb` is the result that counts as done.
 */
async function forEachKey(out: Output, models: string[], verb: string, one: (k: ModelKey, ws: Workspace, remote: RemoteTier) => Promise<string>) {
  const ws = currentWorkspace(out)
  const remote = remoteOf(ws)
  try {
    const rows: Array<{ id: string; key: string; result: string }> = []
    for (const k of await modelKeys(ws, models, out)) rows.push({ id: k.id, key: k.key, result: await one(k, ws, remote) })
    return report(out, remote, rows, verb)
  } finally {
    await remote.close?.()
  }
}

function report(out: Output, remote: RemoteTier | OciRemoteTier, rows: Array<{ id: string; key: string; result: string }>, verb: string) {
  const done = rows.filter((r) => r.result === verb).length
  if (out.json) return out.result({ remote: remote.name, [verb]: done, models: rows })
  const words: Record<string, string> = { pushed: 'pushed', present: 'already in the remote', 'not-local': 'not in the local cache (build it first)', pulled: 'pulled, verified', local: 'already local', 'not-remote': 'not in the remote' }
  if (rows.length) out.line(table(['Model', 'Key', 'Result'], rows.map((r) => [r.id, r.key.slice(0, 12), words[r.result] ?? r.result]), { indent: '  ' }))
  out.success(`${done} of ${rows.length} ${verb} (${remote.name})`)
  return EXIT.OK
}

export const remoteCommands = { status, push, pull }
