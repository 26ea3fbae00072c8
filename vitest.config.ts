import { defineConfig } from 'vitest/config'

// One run covers every package: `npm test` prints one summary.
// Slow suites (the CPython corpus, the fault suite) are separate projects that `.ci/run` runs too.
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
    ],
  },
})
