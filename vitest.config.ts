import { defineConfig } from 'vitest/config'

// One run covers every package: `npm test` prints one summary.
// Slow suites (the CPython corpus, the fault suite) are separate projects that `.ci/run` runs too.
// A slow project runs only when named on the command line (`--project name` or `--project=name`).
const selected = (name: string) => process.argv.some((a, i) => a === `--project=${name}` || (a === name && process.argv[i - 1] === '--project'))
const shared = { pool: 'forks' as const, testTimeout: 60_000, hookTimeout: 120_000 }

export default defineConfig({
  test: {
    reporters: ['default', './scripts/summary-reporter.ts'],
    maxWorkers: 2,
    projects: [
      { test: { ...shared, name: 'core', include: ['packages/core/test/**/*.test.ts'] } },
      { test: { ...shared, name: 'cli', include: ['packages/cli/test/**/*.test.ts'] } },
      { test: { ...shared, name: 'unplugin', include: ['packages/unplugin/test/**/*.test.ts'] } },
      { test: { ...shared, name: 'playground', include: ['playground/test/**/*.test.ts'] } },
      // The packed tarballs installed in a temp app outside the repo: README snippets, install size, client types.
      { test: { ...shared, name: 'packaging', include: ['test/packaging/**/*.test.ts'], globalSetup: ['test/packaging/support/global-setup.ts'] } },
      // Fault suite (issue 8): only with `--project faults` (`npm run test:faults`), so `npm test` stays fast.
      // Its global setup writes docs/reliability.md from the results.
      // CPython-corpus test of the semantic digest (issue 3): only with `--project corpus` (`npm run test:corpus`).
      ...(selected('corpus') ? [{ test: { ...shared, name: 'corpus', include: ['packages/core/test-corpus/**/*.test.ts'], testTimeout: 1_200_000, hookTimeout: 1_200_000 } }] : []),
      ...(selected('faults') ? [{ test: { ...shared, name: 'faults', include: ['test/faults/**/*.test.ts'], globalSetup: ['test/faults/support/global-setup.ts'], testTimeout: 300_000 } }] : []),
    ],
  },
})
