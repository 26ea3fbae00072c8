// Files of devDependencies that the build copies into dist/ (tsdown.config.ts): an installed package has only
// those copies; a checkout running from src/ (tests) reads them from the devDependency itself.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)

/** Absolute path of `distName` beside this module in dist/, else of `specifier` resolved from node_modules. */
export function vendoredFile(distName: string, specifier: string): string {
  const beside = fileURLToPath(new URL(`./${distName}`, import.meta.url))
  return existsSync(beside) ? beside : require.resolve(specifier)
}
