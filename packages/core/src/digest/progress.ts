// Progress of long hashing work (issue 17): bytes and files done against totals taken from the stats the engine
// already has. Framework-free: the CLI redraws a terminal line from it, the plugin logs through the bundler.
import { envDuration, formatBytes } from '../util/units.js'

/** One report: how far a hashing pass is. */
export interface HashProgress {
  /** Bytes hashed so far (of files that needed reading: cache hits are not work). */
  bytesDone: number
  /** Bytes of every file this pass reads, by their stat sizes. */
  bytesTotal: number
  filesDone: number
  filesTotal: number
  /** Milliseconds since the pass started hashing. */
  elapsedMs: number
  /** Set on the last report of the pass (every file credited: then bytesDone === bytesTotal). */
  done: boolean
}

/** Receives HashProgress at most every PROGRESS_INTERVAL_MS, and once more when the pass ends. */
export type ProgressCallback = (progress: HashProgress) => void

/** The shortest gap between two reports (~10 per second): enough for a smooth line, cheap for any consumer. */
export const PROGRESS_INTERVAL_MS = 100

/** Hashing shorter than this shows no progress, in the CLI or a build (a warm pass finishes well within it). */
export const PROGRESS_AFTER_MS = 1000
/** Overrides PROGRESS_AFTER_MS: milliseconds (tests set 0). */
export const PROGRESS_AFTER_ENV = 'MODELOPS_PROGRESS_AFTER_MS'

/**
 * PROGRESS_AFTER_MS, or the duration in MODELOPS_PROGRESS_AFTER_MS (0 allowed).
 * @throws ModelopsError USAGE for a value that is not a duration (util/units.ts, as every MODELOPS_* duration).
 */
export function progressAfterMs(env: Record<string, string | undefined> = process.env): number {
  return envDuration(PROGRESS_AFTER_ENV, PROGRESS_AFTER_MS, { env, allowZero: true })
}

/** Credits one file's bytes: `add` as chunks are hashed (capped at its stat size), `done` credits the rest once. */
export interface FileProgress {
  add(bytes: number): void
  done(): void
}

/** Sums the bytes of one hashing pass and calls back, throttled. One meter per pass. */
export class ProgressMeter {
  private bytesDone = 0
  private filesDone = 0
  /** The first credit reports at once: a consumer past its own threshold sees the pass from its first chunk. */
  private lastReport = -Infinity
  private finished = false
  private readonly started = performance.now()

  constructor(
    private readonly onProgress: ProgressCallback,
    readonly bytesTotal: number,
    readonly filesTotal: number,
    private readonly intervalMs: number = PROGRESS_INTERVAL_MS,
  ) {}

  /**
   * A tracker for a file of `size` bytes (its stat). A file that grew since the stat is capped at `size`, one
   * that shrank or vanished is credited in full by `done`: the totals never move, so the percentage only rises.
   * A file redone after a failed worker credits nothing twice.
   */
  file(size: number): FileProgress {
    let credited = 0
    let closed = false
    return {
      add: (bytes) => {
        const d = Math.min(bytes, size - credited)
        if (d <= 0 || closed) return
        credited += d
        this.bytesDone += d
        this.tick()
      },
      done: () => {
        if (closed) return
        closed = true
        this.bytesDone += size - credited
        credited = size
        this.filesDone++
        this.tick()
      },
    }
  }

  /** The last report (done: true); later calls do nothing. */
  finish(): void {
    if (this.finished) return
    this.finished = true
    this.report(true)
  }

  private tick(): void {
    const now = performance.now()
    if (now - this.lastReport < this.intervalMs || this.finished) return
    this.lastReport = now
    this.report(false)
  }

  private report(done: boolean): void {
    this.onProgress({
      bytesDone: this.bytesDone,
      bytesTotal: this.bytesTotal,
      filesDone: this.filesDone,
      filesTotal: this.filesTotal,
      elapsedMs: performance.now() - this.started,
      done,
    })
  }
}

/** A file tracker that counts nothing (no callback given): the hashing paths call it unconditionally. */
export const NO_PROGRESS: FileProgress = { add() {}, done() {} }

/**
 * A meter for `sizes` (the stat sizes of the files a pass will read), or undefined without a callback or work.
 * Callers keep `meter?.file(size) ?? NO_PROGRESS`, so a pass without a callback pays nothing.
 */
export function progressMeter(onProgress: ProgressCallback | undefined, sizes: readonly (number | bigint)[]): ProgressMeter | undefined {
  if (!onProgress || sizes.length === 0) return undefined
  let total = 0
  for (const s of sizes) total += Number(s)
  return new ProgressMeter(onProgress, total, sizes.length)
}

/** `1.0 GiB / 2.0 GiB (50%), 410.0 MiB/s, 3/10 files`: one report as text, for the CLI's line and the plugin's log. */
export function describeProgress(p: HashProgress, unit = 'files'): string {
  const percent = p.bytesTotal > 0 ? Math.floor((p.bytesDone / p.bytesTotal) * 100) : 100
  const rate = p.elapsedMs > 0 ? Math.round(p.bytesDone / (p.elapsedMs / 1000)) : 0
  return `${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)} (${percent}%), ${formatBytes(rate)}/s, ${p.filesDone}/${p.filesTotal} ${unit}`
}
