/**
 * Electron E2E: `npx playwright test -c tests/electron/playwright.config.ts`. Kept apart from
 * the browser E2E suite (tests/e2e); files are *.e2e.ts so no default testMatch picks them up.
 * Needs an Electron binary and a display (Linux CI: xvfb-run); skips itself without a binary.
 */
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  testMatch: '*.e2e.ts',
  // One app per test, each with its own data folder; Electron apps are heavy on 2 cores.
  workers: 1,
  fullyParallel: false,
  timeout: 180_000,
  expect: { timeout: 30_000 },
  retries: 0,
  reporter: [['list']],
  globalSetup: './global-setup.ts',
  globalTeardown: './global-teardown.ts',
  outputDir: '../../test-results/electron',
});
