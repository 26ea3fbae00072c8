// The check every downloaded blob goes through: a registry serves whatever is on its disk (a flipped byte comes back
// with 200), so bytes are only good once their count and sha256 equal the descriptor's.
import { createHash } from 'node:crypto'
import { Transform, type Readable } from 'node:stream'

/**
 * `source`'s bytes, counted and sha256-hashed as they pass. More than `size` bytes fail at once; at the end a short or
 * altered blob errors the stream (`fail(why)`) instead of ending it, so no consumer ever sees a clean end of bad
 * bytes. `source`'s own errors are passed on through `wrap`. Piped (not async-iterated: the iterator's read()
 * concatenates whatever is buffered, a copy of every byte) and only once read, so an unread stream moves nothing.
 */
export function verifiedBlob(source: Readable, digest: string, size: number, fail: (why: string) => Error, wrap: (err: unknown) => Error): Readable {
  const hash = createHash('sha256')
  let n = 0
  const checked = new Transform({
    readableHighWaterMark: 1 << 20,
    transform(chunk: Buffer, _encoding, callback) {
      n += chunk.byteLength
      if (n > size) return callback(fail(`more than the ${size} bytes its descriptor says`))
      hash.update(chunk)
      callback(null, chunk)
    },
    flush(callback) {
      if (n !== size) return callback(fail(`cut short at ${n} of ${size} bytes`))
      const got = `sha256:${hash.digest('hex')}`
      callback(got === digest ? null : fail(`the bytes served have digest ${got}`))
    },
  })
  // An error before anyone reads stays on the stream (`errored`) for its consumer: pipeline and for-await report it.
  // Without a listener it would be an uncaught exception.
  checked.on('error', () => {})
  source.on('error', (err) => checked.destroy(wrap(err)))
  checked.on('close', () => source.destroy())
  const read = checked._read.bind(checked)
  let piped = false
  checked._read = (n: number) => {
    if (!piped) {
      piped = true
      source.pipe(checked)
    }
    read(n)
  }
  return checked
}
