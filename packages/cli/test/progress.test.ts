// Progress of long hashing (issue 17 item 6), with the built CLI as a child process: under a pseudo-terminal
// (util-linux `script`) a progress line is drawn on stderr and cleared before the result; piped, with --json or
// with CI set, the output is byte for byte what it is without progress.
import { execFileSync, spawn } from 'node:child_process'
import { readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BIN, run, sampleProject, show, spawnCollect, tempDir, type RunResult } from './helpers.js'

const MiB = 1 << 20
const PROGRESS_NOW = { MODELOPS_PROGRESS_AFTER_MS: '0' }
/** The clear-line sequence each redraw starts with (and the final clear). */
const CLEAR = '\r\u001B[2K'

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

/**
 * The CLI under a pseudo-terminal: `script` gives it a TTY on stdin, stdout and stderr and copies what it prints
 * (both streams, in order, with \r\n line ends) to its own stdout. Debian/Ubuntu ship it in bsdutils (essential).
 */
function underTty(args: string[], cwd: string, env: Record<string, string> = {}): Promise<RunResult> {
  const command = [process.execPath, BIN, ...args].map(quote).join(' ')
  return spawnCollect('script', ['-qfec', command, '/dev/null'], { cwd, env: { TERM: 'xterm', ...env } })
}

/** A 64 MiB file (sparse: no disk, but every byte is read and hashed) and its digest by b2sum. */
function bigFile(): { file: string; line: string } {
  const dir = tempDir('mops-progress-')
  const file = join(dir, 'big.bin')
  writeFileSync(file, '')
  truncateSync(file, 64 * MiB)
  const hex = execFileSync('b2sum', ['-l', '256', file], { encoding: 'utf8' }).split(' ')[0]
  return { file, line: `blake2b256:${hex}  bytes  ${file}` }
}

/** The pid of the CLI below `pid` (script runs it through $SHELL -c, or /bin/sh where SHELL is unset). */
function cliBelow(pid: number): number | undefined {
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number)) {
      // argv exactly: the shell's own `-c` string names BIN too, and dash (CI's /bin/sh) forks rather than execs.
      const argv = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0')
      if (argv[0] === process.execPath && argv[1] === BIN) return child
      const deeper = cliBelow(child)
      if (deeper) return deeper
    }
  }
  return undefined
}

/**
 * `hash` of a 16 GiB sparse file under a pseudo-terminal, stopped once its progress line is drawn: by a Ctrl-C typed
 * into the terminal (the line discipline sends SIGINT to the foreground group) or by SIGTERM sent to the CLI.
 */
function stopWhileDrawn(how: 'ctrl-c' | 'SIGTERM'): Promise<{ code: number | null; out: string }> {
  const file = join(tempDir('mops-progress-'), 'huge.bin')
  writeFileSync(file, '')
  truncateSync(file, 16 * 1024 * MiB)
  // `exec`: the CLI takes the shell's place whatever $SHELL is, so the signal goes to it alone.
  const command = `exec ${[process.execPath, BIN, 'hash', file].map(quote).join(' ')}`
  const child = spawn('script', ['-qfec', command, '/dev/null'], { env: { ...process.env, TERM: 'xterm', CI: '', ...PROGRESS_NOW }, stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  let sent = false
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d
    if (sent || !out.includes('hashing ')) return
    sent = true
    if (how === 'ctrl-c') child.stdin.write('\u0003')
    else process.kill(cliBelow(child.pid!)!, 'SIGTERM')
  })
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    // script -e exits with the CLI's status, 128 + the signal's number when a signal ended it.
    child.on('close', (code) => resolve({ code, out }))
  })
}

describe('progress line', { timeout: 240_000 }, () => {
  it('Ctrl-C or SIGTERM while the line is drawn: the line is cleared, exit 130/143, no stack', async () => {
    for (const [how, code] of [['ctrl-c', 130], ['SIGTERM', 143]] as const) {
      const r = await stopWhileDrawn(how)
      expect(r.code, `${how}: ${JSON.stringify(r.out)}`).toBe(code)
      // The last thing on the terminal is the clear (after the echoed ^C): nothing left drawn, nothing printed.
      expect(r.out.endsWith(CLEAR), `${how}: ${JSON.stringify(r.out.slice(-200))}`).toBe(true)
      expect(r.out.lastIndexOf(CLEAR)).toBeGreaterThan(r.out.lastIndexOf('hashing '))
      expect(r.out).not.toMatch(/Error|\n\s+at /)
    }
  })


  it('hash on a terminal: progress redrawn in place on one line, cleared, then the normal output', async () => {
    const { file, line } = bigFile()
    const r = await underTty(['hash', file], tempDir(), PROGRESS_NOW)
    expect(r.code, show(r)).toBe(0)
    // Redraws: each starts with \r and clear-line, none ends a line; the first names the total.
    expect(r.stdout.startsWith(`${CLEAR}\u001B[2mhashing `), show(r)).toBe(true)
    expect(r.stdout).toMatch(/hashing [\d.]+ (B|KiB|MiB) \/ 64\.0 MiB \(\d+%\), [\d.]+ (B|KiB|MiB|GiB)\/s, 0\/1 files/)
    const drawn = r.stdout.slice(0, r.stdout.lastIndexOf(CLEAR))
    expect(drawn).not.toContain('\n')
    // Cleared before the result, which is what a pipe gets (the terminal ends lines with \r\n).
    expect(r.stdout.slice(r.stdout.lastIndexOf(CLEAR) + CLEAR.length)).toBe(`${line}\r\n`)
  })

  it('hash piped, --json, and CI=true on a terminal print exactly what they print without progress', async () => {
    const { file, line } = bigFile()
    const cwd = tempDir()
    const plain = await run(['hash', file], { cwd })
    const piped = await run(['hash', file], { cwd, env: PROGRESS_NOW })
    expect(plain).toEqual({ code: 0, stdout: `${line}\n`, stderr: '' })
    expect(piped).toEqual(plain)

    const json = await run(['hash', '--json', file], { cwd })
    expect(await run(['hash', '--json', file], { cwd, env: PROGRESS_NOW })).toEqual(json)
    expect(json.stderr).toBe('')
    // On a terminal too: --json draws nothing, and neither does CI (its logs keep every redraw).
    const ttyJson = await underTty(['hash', '--json', file], cwd, PROGRESS_NOW)
    expect(ttyJson.stdout.replace(/\r\n/g, '\n'), show(ttyJson)).toBe(json.stdout)
    const ci = await underTty(['hash', file], cwd, { ...PROGRESS_NOW, CI: 'true' })
    expect(ci.stdout, show(ci)).toBe(`${line}\r\n`)
    // With the default threshold (1 s) a line may or may not be drawn, by the machine's load: it is cleared either way.
    const quick = await underTty(['hash', file], cwd)
    expect(quick.stdout.endsWith(`${line}\r\n`), show(quick)).toBe(true)
  })

  it('status of a cold project draws progress on a terminal; status --json does not', async () => {
    const root = await sampleProject()
    for (const args of [['register-model', 'models/sir.py'], ['register-target', 'targets/epi.py']]) {
      const r = await run(args, { cwd: root })
      expect(r.code, show(r)).toBe(0)
    }
    const cold = () => rmSync(join(root, '.modelops-bundle', 'cache'), { recursive: true, force: true })
    cold()
    const status = await underTty(['status'], root, PROGRESS_NOW)
    expect(status.code, show(status)).toBe(0)
    expect(status.stdout).toMatch(/^\r\u001B\[2K\u001B\[2mhashing .* files/)
    expect(status.stdout).toContain('sir_stochasticsir')

    cold()
    const json = await run(['status', '--json'], { cwd: root, env: PROGRESS_NOW })
    cold()
    const ttyJson = await underTty(['status', '--json'], root, PROGRESS_NOW)
    expect(ttyJson.stdout.replace(/\r\n/g, '\n'), show(ttyJson)).toBe(json.stdout)
  })
})
