// OWNER: cli helper. Placeholder until the CLI lands.
export async function main(argv: string[]): Promise<void> {
  process.stderr.write(`mops-bundle: not implemented yet (${argv.join(' ')})\n`)
  process.exitCode = 2
}
