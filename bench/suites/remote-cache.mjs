// (6) The shared output cache on an OCI registry: our pull and push of a 200 MiB entry against curl's GET and PUT of
// the same bytes on the same registry (a real docker-registry on localhost), runs interleaved.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createHash, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { NotReady, driver, measure } from '../lib/measure.mjs'
import { run } from '../lib/proc.mjs'
import { MiB, mibps, ratio } from '../lib/stats.mjs'
import { startRegistry } from '../../test/support/oci-registry.mjs'

const elapsed = async (fn) => {
  const t0 = process.hrtime.bigint()
  const extra = await fn()
  return { wallMs: Number(process.hrtime.bigint() - t0) / 1e6, extra }
}

/** The bytes of a 200 MiB output, made once (random: no compression anywhere flatters anyone). */
function bigFile(dir, bytes) {
  const file = join(dir, `remote-${bytes / MiB}mib.bin`)
  if (!existsSync(file) || readFileSync(file).length !== bytes) {
    const chunk = 16 * MiB
    writeFileSync(file, '')
    for (let done = 0; done < bytes; done += chunk) writeFileSync(file, randomBytes(Math.min(chunk, bytes - done)), { flag: 'a' })
  }
  const h = createHash('sha256')
  h.update(readFileSync(file))
  return { file, sha: `sha256:${h.digest('hex')}` }
}

async function curl(args) {
  const r = await run('curl', ['-sS', '--fail', ...args])
  if (r.code !== 0) throw new Error(`curl ${args.join(' ')}: exit ${r.code}: ${r.stderr}`)
  return r
}

export async function remoteCache(ctx) {
  const { opts, paths, log } = ctx
  // The tier, its url parser and the pull step are internal API (packages/core/src/internal.ts), not in index.js.
  const internal = await import(pathToFileURL(join(paths.repo, 'packages/core/dist/internal.js')).href).catch(() => undefined)
  const core = ctx.core && internal ? { ...ctx.core, ...internal } : undefined
  if (!core?.OciRemoteTier || !core.parseOciUrl) throw new NotReady('the remote tier has not landed')
  const bytes = opts.quick ? 32 * MiB : 200 * MiB
  const runs = opts.runs ?? (opts.quick ? 2 : 3)
  const work = join(paths.tmp, 'remote')
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
  const { file, sha } = bigFile(paths.tmp, bytes)
  const reg = await startRegistry()
  try {
    log(`remote cache: docker-registry on ${reg.host}, entry of ${bytes / MiB} MiB`)
    // Machine A: a local entry holding the big file.
    const a = new core.LocalStore(join(work, 'machine-a'))
    const key = 'ab'.repeat(32)
    const staging = await a.stage(key)
    execFileSync('cp', [file, join(staging.outDir, 'series.bin')])
    const meta = { model_id: 'big', entrypoint: 'models.big:Big', digest: `composite1:${'0'.repeat(64)}`, generator: { command: 'bench' } }
    const entry = await staging.commit(meta)
    const tier = (repo) => new core.OciRemoteTier(core.parseOciUrl(reg.url(repo), undefined, 'bench'), { credentials: null })
    // The entry every pull reads, pushed once.
    const shared = tier('bench/pull')
    await shared.upload(core.entrySource(entry))
    await shared.close()
    let n = 0
    const pullOurs = {
      name: 'ours: pull (HEAD+GET manifest, index, blob streamed with sha256 into staging, BLAKE2b on a worker behind the write, commit)',
      exec: () =>
        elapsed(async () => {
          const b = new core.LocalStore(join(work, `machine-b-${n++}`))
          const t = tier('bench/pull')
          // What a build does on a local miss (resolveOutputs): fetch, then pullEntry (stream into staging, commit verified).
          const remote = await t.fetch(key)
          await core.pullEntry(b, remote, meta)
          await t.close()
          rmSync(b.dir, { recursive: true, force: true })
        }),
    }
    const pullCurl = {
      name: 'curl: GET the blob to a file',
      peer: true,
      exec: async () => {
        const out = join(work, 'curl-get.bin')
        const r = await curl(['-o', out, `http://${reg.host}/v2/bench/pull/blobs/${sha}`])
        rmSync(out, { force: true })
        return { wallMs: r.wallMs }
      },
    }
    let p = 0
    const pushOurs = {
      name: 'ours: push (HEAD manifest, HEAD blob, chunked upload with the sha256 recorded at commit, index, manifest)',
      exec: () =>
        elapsed(async () => {
          const t = tier(`bench/push-ours-${p++}`)
          await t.upload(core.entrySource(entry))
          await t.close()
        }),
    }
    let q = 0
    const pushCurl = {
      name: 'curl: POST + one streamed PUT of the blob (digest known beforehand)',
      peer: true,
      exec: async () => {
        const started = await curl(['-X', 'POST', '-D', '-', '-o', '/dev/null', `http://${reg.host}/v2/bench/push-curl-${q++}/blobs/uploads/`])
        const loc = /^location:\s*(\S+)/im.exec(started.stdout)?.[1]
        if (!loc) throw new Error('no upload location')
        const url = new URL(loc, `http://${reg.host}`)
        url.searchParams.set('digest', sha)
        const put = await curl(['-X', 'PUT', '-T', file, '-H', 'content-type: application/octet-stream', url.href])
        return { wallMs: started.wallMs + put.wallMs }
      },
    }
    log('remote cache: pull vs curl GET')
    const pull = await measure([pullOurs, pullCurl], runs, { warmup: 1, log })
    log('remote cache: push vs curl PUT')
    const push = await measure([pushOurs, pushCurl], runs, { warmup: 1, log })
    const throughput = (rows) => rows.map((r) => ({ ...r, mib_s: r.wall_ms ? mibps(bytes, r.wall_ms.median) : null }))
    log('remote cache: a whole Vite build of the playground on machine B (pull) vs regenerating')
    const build = await wholeBuild(ctx, reg, runs)
    return {
      id: 'remote-cache',
      title: 'Shared output cache on an OCI registry (docker-registry 2.8 on localhost)',
      status: 'measured',
      runs,
      bytes,
      pull: throughput(pull),
      push: throughput(push),
      // > 1 = ours faster; the goal is >= 0.8 (ours at least 80% of curl's throughput).
      pull_vs_curl: ratio(pull[1].wall_ms?.median, pull[0].wall_ms?.median),
      push_vs_curl: ratio(push[1].wall_ms?.median, push[0].wall_ms?.median),
      build: build.rows,
      build_pull_vs_generate: ratio(build.rows?.[0]?.wall_ms?.median, build.rows?.[1]?.wall_ms?.median),
      notes: [
        'Same registry, same run, runs interleaved. Ours runs in-process (node); curl is a child process (its start, ~10 ms, included).',
        'Our pull also checks the sha256 of every byte as it streams (main thread), writes it into the local store\'s staging folder while a hash-pool worker hashes the BLAKE2b of the file behind the writer, and commits it (index, fsync, rename); curl only writes the file.',
        'Our push takes the sha256 the local store recorded at commit (hashed in the same read as the BLAKE2b), reads the file once, sends it in 64 MiB PATCHes and uploads the index and manifest; curl is given the digest and sends one PUT.',
        'Whole build: `vite build` of the playground over the sample project (3 models, its Python generator) in a new process with an empty cache folder; "pull" has MODELOPS_REMOTE_CACHE set to a registry machine A filled, "regenerate" has no remote. The gap is the generator\'s run time, which for real models is minutes to hours.',
      ],
    }
  } finally {
    await reg.stop()
    rmSync(work, { recursive: true, force: true })
  }
}

/** `vite build` of the playground with an empty cache: pulling from the registry vs regenerating (no remote). */
async function wholeBuild(ctx, reg, runs) {
  const { paths, log } = ctx
  const sample = join(paths.tmp, 'remote-sample')
  try {
    const { ensureSample } = await import(join(paths.repo, 'playground/scripts/sample.mjs'))
    ensureSample(sample, { quiet: true })
  } catch (err) {
    return { status: 'not measured', reason: `could not create the sample project: ${String(err.message).split('\n')[0]}` }
  }
  const url = reg.url('bench/build')
  let n = 0
  const build = async (remote) => {
    const cacheDir = join(paths.tmp, `remote-build-cache-${n++}`)
    rmSync(cacheDir, { recursive: true, force: true })
    const env = { PLAYGROUND_SAMPLE: sample, PLAYGROUND_CACHE_DIR: cacheDir, PLAYGROUND_OUT_DIR: join(paths.tmp, 'remote-build-out'), MODELOPS_REMOTE_CACHE: remote ? url : '' }
    try {
      const r = await driver(paths.drivers.viteBuild, ['--plugin', 'on', '--stub', join(paths.tmp, 'remote-stub.js')], { env, cwd: paths.repo })
      return { wallMs: r.wallMs, workMs: r.json.build_ms, maxRssKb: r.maxRssKb }
    } finally {
      rmSync(cacheDir, { recursive: true, force: true })
    }
  }
  // Machine A: fills the registry.
  await build(true)
  const rows = await measure([
    { name: 'machine B: vite build, empty cache, outputs regenerated (no remote)', peer: true, exec: () => build(false) },
    { name: 'machine B: vite build, empty cache, outputs pulled from the registry', exec: () => build(true) },
  ], runs, { log })
  return { rows }
}
