// Once per run: pack the three packages and install them, as a new user would, into an app outside the repo.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { installApp, packAll, repoVersion, tempDir, type PackageDir } from './packed.js'

/** What the new user's app installs beside our packages (at the versions npm has cached). */
export const BUNDLERS = ['vite', 'rollup', 'esbuild', 'webpack', 'typescript']

declare module 'vitest' {
  export interface ProvidedContext {
    packed: { dir: string; app: string; tarballs: Record<PackageDir, string> }
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const dir = tempDir('mops-packed-')
  const tarballs = await packAll(dir)
  const app = await installApp(join(dir, 'app'), Object.values(tarballs), BUNDLERS.map((n) => `${n}@${repoVersion(n)}`))
  project.provide('packed', { dir, app, tarballs })
  return () => {
    if (!process.env.PACKAGING_KEEP) rmSync(dir, { recursive: true, force: true })
  }
}
