// What the figures were measured on: they mean little without it.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import os from 'node:os'

function sh(cmd, args) {
  try { return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() } catch { return null }
}

export function describeMachine(repoRoot) {
  const cpus = os.cpus()
  let cpuModel = cpus[0]?.model?.trim() ?? 'unknown'
  const lscpu = sh('lscpu', [])
  const m = lscpu?.match(/^Model name:\s*(.+)$/m)
  if (m) cpuModel = m[1].trim()
  const hyper = lscpu?.match(/^Hypervisor vendor:\s*(.+)$/m)?.[1]
  let fs = null
  try {
    fs = sh('df', ['-T', repoRoot])?.split('\n')[1]?.split(/\s+/)[1] ?? null
  } catch { /* ignore */ }
  const b2 = sh('b2sum', ['--version'])?.split('\n')[0] ?? null
  let kernel = os.release()
  try { kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim() } catch { /* ignore */ }
  return {
    cpu_model: cpuModel,
    cores: cpus.length,
    hypervisor: hyper ?? null,
    ram_gib: +(os.totalmem() / 1024 ** 3).toFixed(1),
    os: `${os.type()} ${kernel} ${os.arch()}`,
    filesystem: fs,
    node: process.version,
    python: sh('python3', ['-c', 'import platform;print(platform.python_version())']),
    b2sum: b2,
    loadavg_start: os.loadavg().map((x) => +x.toFixed(2)),
  }
}
