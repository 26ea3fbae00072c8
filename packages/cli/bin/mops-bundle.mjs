#!/usr/bin/env node
import { main } from '../dist/index.js'

// `mops-bundle list | head -1`: a closed pipe ends the output, not the process with a stack trace.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw err
})

const code = await main(process.argv.slice(2))
// Exit even if a library left a handle open; stdout/stderr to pipes and files are written synchronously on POSIX.
setTimeout(() => process.exit(code), 200).unref()
