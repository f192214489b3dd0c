import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['engine/**/*.test.ts', 'tests/**/*.test.ts', 'renderer/**/*.test.{ts,tsx}'],
    exclude: ['node_modules', 'out', 'tests/e2e/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Chromium, worker pools and child processes: keep parallelism modest on 2 cores.
    maxWorkers: 2,
    pool: 'forks',
  },
});
