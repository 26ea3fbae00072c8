// What citty leaves to us: it ignores unknown options and keeps only the last value of a repeated one.
// A typo must be a usage error (exit 2), and --data/--class/... are repeatable, so both are handled here.
import type { ArgsDef, CommandContext, CommandDef } from 'citty'
import { defineCommand } from 'citty'
import { didYouMean } from '@modelops-bundle/core/errors'
import { Output, usageError } from './output.js'

/** Options every command accepts (main() reads them before citty does). */
export const GLOBAL_FLAGS = ['--debug', '--help', '-h']

interface FlagInfo {
  name: string
  type: 'boolean' | 'string'
}

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()
}

function flagTable(def: ArgsDef): Map<string, FlagInfo> {
  const flags = new Map<string, FlagInfo>()
  for (const [name, arg] of Object.entries(def)) {
    if (arg.type === 'positional') continue
    const info: FlagInfo = { name, type: arg.type === 'boolean' ? 'boolean' : 'string' }
    const alias = 'alias' in arg ? arg.alias : undefined
    const aliases = alias === undefined ? [] : Array.isArray(alias) ? alias : [alias]
    for (const spelled of [name, kebab(name), ...aliases]) {
      const flag = spelled.length === 1 ? `-${spelled}` : `--${spelled}`
      flags.set(flag, info)
      if (info.type === 'boolean' && spelled.length > 1) flags.set(`--no-${spelled}`, info)
    }
  }
  return flags
}

/**
 * Refuse unknown options, string options without a value and surplus positionals (usage errors, exit 2).
 * `variadic`: the command takes any number of positionals.
 */
export function checkArgv(raw: string[], def: ArgsDef, command: string, variadic = false): void {
  const flags = flagTable(def)
  const positionalsAllowed = Object.values(def).filter((a) => a.type === 'positional').length
  let positionals = 0
  for (let i = 0; i < raw.length; i++) {
    const token = raw[i]!
    if (token === '--') {
      positionals += raw.length - i - 1
      break
    }
    if (!token.startsWith('-') || token === '-') {
      positionals++
      continue
    }
    if (GLOBAL_FLAGS.includes(token)) continue
    const eq = token.indexOf('=')
    const flag = eq > 0 && token.startsWith('--') ? token.slice(0, eq) : token
    const info = flags.get(flag)
    if (!info) {
      const near = didYouMean(flag, [...flags.keys()].filter((f) => f.startsWith('--')))
      throw usageError(`unknown option ${flag} for '${command}'`, `${near ? `did you mean ${near}? ` : ''}run 'mops-bundle ${command} --help' for its options`)
    }
    if (info.type === 'string' && eq < 0) {
      const next = raw[i + 1]
      if (next === undefined || (next.startsWith('-') && next !== '-')) throw usageError(`option ${flag} needs a value`, `run 'mops-bundle ${command} --help' for its options`)
      i++
    }
  }
  if (!variadic && positionals > positionalsAllowed) {
    throw usageError(`too many arguments for '${command}'`, `run 'mops-bundle ${command} --help' for its usage`)
  }
}

/** Every value given to the string option `name` (or any of its aliases), in order. */
export function collect(raw: string[], def: ArgsDef, name: string): string[] {
  const flags = flagTable(def)
  const values: string[] = []
  for (let i = 0; i < raw.length; i++) {
    const token = raw[i]!
    if (token === '--') break
    if (!token.startsWith('-')) continue
    const eq = token.indexOf('=')
    const flag = eq > 0 && token.startsWith('--') ? token.slice(0, eq) : token
    const info = flags.get(flag)
    if (!info || info.type !== 'string') continue
    const value = eq > 0 && token.startsWith('--') ? token.slice(eq + 1) : raw[++i]
    if (info.name === name && value !== undefined) values.push(value)
  }
  return values
}

/** Positionals in order (everything that is not an option or an option's value). */
export function positionals(raw: string[], def: ArgsDef): string[] {
  const flags = flagTable(def)
  const out: string[] = []
  for (let i = 0; i < raw.length; i++) {
    const token = raw[i]!
    if (token === '--') {
      out.push(...raw.slice(i + 1))
      break
    }
    if (!token.startsWith('-') || token === '-') {
      out.push(token)
      continue
    }
    if (token.includes('=')) continue
    if (flags.get(token)?.type === 'string') i++
  }
  return out
}

export interface RunContext<T extends ArgsDef> {
  args: CommandContext<T>['args']
  /** This command's own argv (after the command name). */
  raw: string[]
  out: Output
  /** All values of a repeatable string option. */
  all(name: keyof T & string): string[]
  /** Positionals in order. */
  rest(): string[]
  debug: boolean
}

export interface CliCommand<T extends ArgsDef> {
  name: string
  description: string
  alias?: string
  args: T
  /** Any number of positionals (hash, discover). */
  variadic?: boolean
  /** Exit code; undefined means 0. */
  run(ctx: RunContext<T>): Promise<number | void> | number | void
}

/** State shared between main() and the commands of one process. */
export const session = { debug: false, exitCode: 0 }

/** A citty command whose run() checks argv strictly, builds the Output and records the exit code. */
export function defineCli<const T extends ArgsDef>(spec: CliCommand<T>): CommandDef<T> {
  return defineCommand<T>({
    meta: { name: spec.name.split(' ').pop(), description: spec.description, alias: spec.alias },
    args: spec.args,
    async run(context) {
      checkArgv(context.rawArgs, spec.args, spec.name, spec.variadic)
      const json = Boolean((context.args as Record<string, unknown>).json)
      const out = new Output({ json, debug: session.debug })
      const code = await spec.run({
        args: context.args,
        raw: context.rawArgs,
        out,
        all: (name) => collect(context.rawArgs, spec.args, name),
        rest: () => positionals(context.rawArgs, spec.args),
        debug: session.debug,
      })
      session.exitCode = code ?? 0
    },
  })
}
