// README code blocks, and how a new user runs them: shell blocks line by line in one shell, source
// blocks written to the file their first-line comment names (`// vite.config.ts ...`).
import { existsSync, writeFileSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { exec, type RunResult } from './packed.js'

export interface Snippet {
  lang: string
  text: string
  /** 1-based line of the opening fence, for failure messages. */
  line: number
  /** `vite.config.ts` for a block opening with `// vite.config.ts (...)`. */
  file?: string
}

export function snippets(markdown: string): Snippet[] {
  const out: Snippet[] = []
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!)
    if (!open) continue
    const start = i
    const body: string[] = []
    while (++i < lines.length && !/^```\s*$/.test(lines[i]!)) body.push(lines[i]!)
    const text = `${body.join('\n')}\n`
    const file = /^\/\/ ([\w./-]+\.(?:[cm]?[jt]s|html))\b/.exec(body[0] ?? '')?.[1]
    out.push({ lang: open[1] ?? '', text, line: start + 1, file })
  }
  return out
}

export const isShell = (s: Snippet) => s.lang === 'sh' || s.lang === 'bash'

/** The install line every README opens with. */
export const INSTALL = 'npm i -D @modelops-bundle/cli unplugin-modelops-bundle'

/**
 * Run a shell block as written, in one `sh -e` at `cwd`. Its `npm i` lines are checked, not run: the
 * packages they name must already be in the app (installed from the packed tarballs, which npm cannot
 * fetch by name before they are published).
 */
export async function runShell(block: Snippet, cwd: string, installed: (name: string) => boolean, env: NodeJS.ProcessEnv): Promise<RunResult> {
  const script: string[] = []
  for (const line of block.text.split('\n')) {
    const install = /^npm (?:i|install)\s+(.*?)(?:\s+#.*)?$/.exec(line)
    if (!install) {
      script.push(line)
      continue
    }
    const names = install[1]!.split(/\s+/).filter((w) => w && !w.startsWith('-'))
    const missing = names.filter((n) => !installed(n))
    if (missing.length) throw new Error(`README line ${block.line}: \`${line}\` names ${missing.join(', ')}, which the test app does not have`)
    script.push('')
  }
  return exec('sh', ['-e', '-c', script.join('\n')], { cwd, env })
}

export function writeSnippet(block: Snippet, dir: string): string {
  if (!block.file) throw new Error(`README line ${block.line}: the block names no file`)
  const path = join(dir, block.file)
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, block.text)
  return path
}

export function hasPackage(app: string): (name: string) => boolean {
  return (name) => existsSync(join(app, 'node_modules', name, 'package.json'))
}
