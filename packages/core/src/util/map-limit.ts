// Bounded parallelism for async work over a list (hashing, uploads, generators).

/**
 * Run `fn` over `items` with at most `limit` calls in flight, in list order of start. After the first rejection no
 * further item starts; the calls already running settle, then that first error is thrown (so nothing still runs
 * when mapLimit returns or throws).
 */
export async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0
  let failed = false
  let failure: unknown
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++
      try {
        await fn(items[i]!, i)
      } catch (err) {
        if (!failed) {
          failed = true
          failure = err
        }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(Math.floor(limit) || 1, items.length)) }, worker))
  if (failed) throw failure
}
