// Run a command as a measured child process: wall clock (from here), CPU time and peak RSS (GNU time).
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null

/**
 * @typedef {{ wallMs: number, cpuMs: number | null, maxRssKb: number | null, code: number | null, stdout: string, stderr: string }} RunResult
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ cwd?: string, env?: Record<string,string>, input?: string, timeoutMs?: number }} [opts]
 * @returns {Promise<RunResult>}
 */
export function run(cmd, args, opts = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'mops-bench-'))
  const timeFile = join(dir, 'time')
  // GNU time reads the child's rusage (wait4): peak RSS and user + system CPU, worker threads included. On a loaded
  // machine CPU time moves less than wall time, so both are reported.
  const [c, a] = GNU_TIME ? [GNU_TIME, ['-f', '%M %U %S', '-o', timeFile, cmd, ...args]] : [cmd, args]
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint()
    const child = spawn(c, a, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d })
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d })
    if (opts.input !== undefined) child.stdin.end(opts.input)
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : null
    child.on('error', (err) => { if (timer) clearTimeout(timer); rmSync(dir, { recursive: true, force: true }); reject(err) })
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6
      if (timer) clearTimeout(timer)
      let maxRssKb = null
      let cpuMs = null
      try {
        const lines = readFileSync(timeFile, 'utf8').trim().split('\n')
        const [rss, user, sys] = (lines[lines.length - 1] ?? '').trim().split(/\s+/).map(Number)
        if (Number.isFinite(rss)) maxRssKb = rss
        if (Number.isFinite(user) && Number.isFinite(sys)) cpuMs = (user + sys) * 1000
      } catch { /* no GNU time */ }
      rmSync(dir, { recursive: true, force: true })
      resolve({ wallMs, cpuMs, maxRssKb, code, stdout, stderr })
    })
  })
}

/** Run and parse the last stdout line as JSON; throws with the stderr tail on failure. */
export async function runJson(cmd, args, opts) {
  const r = await run(cmd, args, opts)
  const last = r.stdout.trim().split('\n').pop() ?? ''
  if (r.code !== 0) throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} … exited ${r.code}: ${tail(r.stderr || r.stdout)}`)
  let json
  try { json = JSON.parse(last) } catch { throw new Error(`${cmd}: no JSON on stdout: ${tail(r.stdout + r.stderr)}`) }
  return { ...r, json }
}

export function tail(s, n = 600) {
  const t = String(s).trim()
  return t.length > n ? '…' + t.slice(-n) : t
}
