import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { ModelopsError } from '../errors.js'
import { MAX_DURATION_MS } from '../util/units.js'

/** Run a command per model. cwd = project root; outputs go into `$MODELOPS_OUT_DIR`. */
export interface GeneratorCommand {
  /** A shell command line (run by /bin/sh, cmd.exe on Windows) or an argv array (no shell). */
  command: string | string[]
  /**
   * Milliseconds before the generator is killed and the build fails; at most 2^31 - 1 (Node's longest timer, 596 h).
   * @default 600000 (10 minutes)
   */
  timeout?: number
  /** Extra environment variables. They are part of the generator identity (and so of the cache key). */
  env?: Record<string, string>
  /**
   * Project-relative files/folders holding the generator's own code (e.g. `['modelops_runner']`). Their digests
   * (`.py` semantically) are part of the generator identity: editing them regenerates every model.
   * @default [] (only the command and env identify the generator)
   */
  inputs?: string[]
}

/** The model a generator runs for (also in its environment as MODELOPS_MODEL_ID, MODELOPS_ENTRYPOINT, …). */
export interface GenerateModel {
  id: string
  entrypoint: string
  path: string
  class_name: string
  outputs: string[]
  /** `composite1:<hex>` */
  digest: string
}

/** Where a generator writes (`outDir`, empty), the model's digest, and an AbortSignal that ends the run. */
export interface GenerateContext {
  /** Empty folder to write the outputs into. */
  outDir: string
  /** The model's composite digest. */
  digest: string
  /** Aborted when the build is cancelled or another model's generator failed. */
  signal: AbortSignal
  /** Absolute project root. */
  root: string
}

/** Generate in-process. Its name and source text are its identity: edit it and the cache misses. */
export type GeneratorFunction = (model: GenerateModel, context: GenerateContext) => void | Promise<void>

/** How model outputs are made: a command run once per model, or an async function. */
export type Generator = GeneratorCommand | GeneratorFunction

export const DEFAULT_GENERATOR_TIMEOUT = 600_000
/** How much of a failed generator's stderr the error shows. */
const TAIL_LINES = 20
const TAIL_BYTES = 4096

/**
 * What about a generator decides its outputs: goes into every cache key. The timeout does not.
 * `inputsDigest` (`generatorInputsDigest()`) covers its declared `inputs`; without inputs the identity is
 * unchanged from before inputs existed, so such caches stay valid.
 */
export function generatorIdentity(generator: Generator, inputsDigest?: string): unknown {
  if (typeof generator === 'function') {
    return { function: generator.name || '<anonymous>', source: createHash('sha256').update(generator.toString()).digest('hex') }
  }
  return { command: generator.command, env: generator.env ?? {}, ...(inputsDigest ? { inputs: inputsDigest } : {}) }
}

/** Run `generator` for one model into `context.outDir`; GENERATOR_FAILED (with the stderr tail) on failure or timeout. */
export async function runGenerator(generator: Generator, model: GenerateModel, context: GenerateContext): Promise<void> {
  context.signal.throwIfAborted()
  if (typeof generator === 'function') {
    try {
      await generator(model, context)
    } catch (err) {
      if (context.signal.aborted) throw context.signal.reason
      throw new ModelopsError('GENERATOR_FAILED', `generator for model ${model.id} failed: ${(err as Error)?.message ?? String(err)}`, { file: model.path, cause: err })
    }
    return
  }
  await runCommand(generator, model, context)
}

function runCommand(generator: GeneratorCommand, model: GenerateModel, context: GenerateContext): Promise<void> {
  // Callers of the core API bypass the config and option checks: a timer past Node's limit would fire at once.
  const timeout = Math.min(generator.timeout ?? DEFAULT_GENERATOR_TIMEOUT, MAX_DURATION_MS)
  const shown = Array.isArray(generator.command) ? generator.command.join(' ') : generator.command
  if (Array.isArray(generator.command) ? generator.command.length === 0 : !generator.command.trim()) {
    throw new ModelopsError('GENERATOR_FAILED', 'the generator command is empty', { hint: 'Set generate.command (or generator.command in .modelops-bundle/config.yaml).' })
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // The remote cache's credentials are the build's, not the model's: a generator could write them into its outputs.
    MODELOPS_REMOTE_CACHE_USERNAME: undefined,
    MODELOPS_REMOTE_CACHE_PASSWORD: undefined,
    ...generator.env,
    MODELOPS_MODEL_ID: model.id,
    MODELOPS_ENTRYPOINT: model.entrypoint,
    MODELOPS_MODEL_DIGEST: model.digest,
    MODELOPS_OUT_DIR: context.outDir,
    MODELOPS_PROJECT_ROOT: context.root,
  }
  const isWin = process.platform === 'win32'
  const child = Array.isArray(generator.command)
    ? spawn(generator.command[0]!, generator.command.slice(1), { cwd: context.root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: !isWin })
    : spawn(generator.command, { cwd: context.root, env, stdio: ['ignore', 'pipe', 'pipe'], shell: true, detached: !isWin })

  let stderr = ''
  let stdout = ''
  child.stderr!.setEncoding('utf8').on('data', (s: string) => { stderr = (stderr + s).slice(-TAIL_BYTES * 2) })
  child.stdout!.setEncoding('utf8').on('data', (s: string) => { stdout = (stdout + s).slice(-TAIL_BYTES * 2) })

  // Kill the whole process group: a shell's children must not outlive a timed-out or cancelled build.
  const kill = () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    try {
      if (!isWin && child.pid) process.kill(-child.pid, 'SIGKILL')
      else child.kill('SIGKILL')
    } catch {
      child.kill('SIGKILL')
    }
  }
  let why: 'timeout' | 'abort' | undefined
  const timer = setTimeout(() => { why = 'timeout'; kill() }, timeout)
  const onAbort = () => { why ??= 'abort'; kill() }
  context.signal.addEventListener('abort', onAbort, { once: true })

  return new Promise<void>((resolve, reject) => {
    const finish = () => {
      clearTimeout(timer)
      context.signal.removeEventListener('abort', onAbort)
    }
    child.on('error', (err) => {
      finish()
      reject(new ModelopsError('GENERATOR_FAILED', `generator for model ${model.id} could not start: ${err.message}`, {
        hint: `Command: ${shown}`,
        cause: err,
      }))
    })
    child.on('close', (code, signal) => {
      finish()
      if (why === 'abort') return reject(context.signal.reason)
      if (code === 0 && !why) return resolve()
      const what = why === 'timeout' ? `timed out after ${timeout / 1000} s` : signal ? `was killed by ${signal}` : `exited with code ${code}`
      const tail = tailOf(stderr) || tailOf(stdout)
      reject(new ModelopsError('GENERATOR_FAILED', `generator for model ${model.id} ${what}${tail ? `:\n${indent(tail)}` : ' (no output)'}`, {
        file: model.path,
        hint: `Command: ${shown} (cwd ${context.root}). The cache and earlier outputs were left untouched.`,
      }))
    })
  })
}

function tailOf(text: string): string {
  const lines = text.slice(-TAIL_BYTES).replace(/\s+$/, '').split(/\r?\n/)
  return lines.slice(-TAIL_LINES).join('\n')
}

function indent(text: string): string {
  return text.split('\n').map((l) => `  │ ${l}`).join('\n')
}
