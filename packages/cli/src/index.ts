// mops-bundle: the command-line face of @modelops-bundle/core. argv in, text or JSON out, an exit code back.
import { createRequire } from 'node:module'
import { type CommandDef, defineCommand, renderUsage, runCommand } from 'citty'
import { didYouMean, ModelopsError } from '@modelops-bundle/core/errors'
import { session } from './argv.js'
import { aliases, commands } from './commands/index.js'
import { colorEnabled, EXIT, palette, reportError, usageError } from './output.js'

export { commands, aliases } from './commands/index.js'
export { defineCli } from './argv.js'
export { EXIT, Output } from './output.js'

const VERSION: string = createRequire(import.meta.url)('../package.json').version

const root = defineCommand({
  meta: { name: 'mops-bundle', version: VERSION, description: 'Model registry and provenance digests of modelops-bundle' },
  // Shown in --help; main() reads these itself.
  args: {
    debug: { type: 'boolean', description: 'Print stack traces with errors (any command)' },
    version: { type: 'boolean', description: 'Print the version' },
  },
  subCommands: commands,
})

/**
 * Run the CLI with `argv` (without node and the script) and return the exit code:
 * 0 ok, 1 user error or stale registry (verify), 2 usage or internal error. Sets process.exitCode too.
 */
export async function main(argv: string[]): Promise<number> {
  const code = await run(argv)
  process.exitCode = code
  return code
}

async function run(argv: string[]): Promise<number> {
  const end = argv.indexOf('--')
  const head = end < 0 ? argv : argv.slice(0, end)
  session.debug = head.includes('--debug')
  session.exitCode = 0
  // --debug may come anywhere before `--`; citty would pass it to the wrong command.
  let args = [...head.filter((a) => a !== '--debug'), ...(end < 0 ? [] : argv.slice(end))]
  const first = args[0]
  if (first !== undefined && first in aliases) args = [aliases[first]!, ...args.slice(1)]

  if (args.length === 0) {
    process.stderr.write(`${plain(await renderUsage(root), process.stderr)}\n\n`)
    return reportError(usageError('missing command', "run 'mops-bundle --help' for the list of commands"))
  }
  if (first === '--version' || first === '-v') {
    process.stdout.write(`${VERSION}\n`)
    return EXIT.OK
  }
  const helpAt = args.findIndex((a, i) => (a === '--help' || a === '-h') && (end < 0 || i < end))
  if (helpAt >= 0 || first === 'help') {
    const words = (first === 'help' ? args.slice(1) : args).filter((a) => !a.startsWith('-'))
    const [cmd, parent] = await resolveHelpTarget(words)
    process.stdout.write(`${plain(await renderUsage(cmd, parent), process.stdout)}\n`)
    return EXIT.OK
  }

  try {
    assertCwdExists()
    await runCommand(root, { rawArgs: args })
    return session.exitCode
  } catch (err) {
    if (isCittyError(err)) {
      // citty's messages carry ANSI colour; keep them only where we would colour ourselves.
      const message = colorEnabled(process.stderr) ? err.message : err.message.replace(/\u001B\[[0-9;]*m/g, '')
      const e = palette(colorEnabled(process.stderr))
      const hint = err.code === 'E_UNKNOWN_COMMAND' ? nearestCommand(args) : undefined
      process.stderr.write(`${e.red('✗')} ${message}\n`)
      if (hint) process.stderr.write(`${e.dim(`  did you mean \`${hint}\`?`)}\n`)
      process.stderr.write(`${e.dim(`  run 'mops-bundle ${helpPath(args)}--help' for usage`)}\n`)
      return EXIT.USAGE
    }
    return reportError(err, { debug: session.debug, usageHint: `run 'mops-bundle ${helpPath(args)}--help' for usage` })
  }
}

/** A shell left in a deleted folder: say so instead of failing deep inside with uv_cwd. */
function assertCwdExists(): void {
  try {
    process.cwd()
  } catch (err) {
    throw new ModelopsError('PATH_INVALID', 'the current folder no longer exists (it was deleted or moved)', {
      hint: 'cd into an existing folder and run the command again',
      cause: err,
    })
  }
}

/**
 * citty colours its usage text whenever NO_COLOR is not exactly '1': strip it where we would not colour. It also
 * names options as declared (`--maxSize`): show the kebab-case spelling the docs use (both are accepted).
 */
function plain(text: string, stream: NodeJS.WriteStream): string {
  const kebab = text
    .split('\n')
    .map((line) => {
      const next = line.replace(/--([a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+)\b/g, (_, name: string) => `--${name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}`)
      // citty right-aligns the option column: give back the indentation the longer spelling took.
      const grown = next.length - line.length
      return grown > 0 && next.startsWith(' '.repeat(grown + 2)) ? next.slice(grown) : next
    })
    .join('\n')
  return colorEnabled(stream) ? kebab : kebab.replace(/\u001B\[[0-9;]*m/g, '')
}

function isCittyError(err: unknown): err is Error & { code: string } {
  return err instanceof Error && err.name === 'CLIError'
}

/** `mops-bundle stauts` → `status` (`target-set lsit` → `target-set list`): the nearest existing command, if any is close. */
function nearestCommand(args: string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'))
  const known = [...Object.keys(commands), ...Object.keys(aliases)]
  if (words[0] !== undefined && !(words[0] in commands)) return didYouMean(words[0], known)
  if (words[0] === 'target-set' && words[1] !== undefined) {
    const sub = didYouMean(words[1], ['list', 'set', 'delete'])
    return sub && `target-set ${sub}`
  }
  return undefined
}

/** `register-model ` or `target-set set ` for the hint; '' when the command is unknown. */
function helpPath(args: string[]): string {
  const words = args.filter((a) => !a.startsWith('-'))
  if (words[0] === undefined || !(words[0] in commands)) return ''
  if (words[0] === 'target-set' && ['list', 'set', 'delete'].includes(words[1] ?? '')) return `target-set ${words[1]} `
  return `${words[0]} `
}

async function resolveHelpTarget(words: string[]): Promise<[CommandDef<any>, CommandDef<any> | undefined]> {
  let cmd: CommandDef<any> = root
  let parent: CommandDef<any> | undefined
  const path: string[] = []
  for (const word of words) {
    const subs = typeof cmd.subCommands === 'function' ? await cmd.subCommands() : await cmd.subCommands
    const next = subs?.[word]
    if (!next) break
    parent = cmd
    cmd = typeof next === 'function' ? await next() : await next
    path.push(word)
  }
  // citty names a command by its parent only: give nested ones their full `mops-bundle a b` name.
  if (path.length > 1 && parent) parent = { ...parent, meta: { name: ['mops-bundle', ...path.slice(0, -1)].join(' ') } }
  return [cmd, parent]
}
