/**
 * End-to-end tests of the renderer in real (Debian) Chromium against `bin/quire serve`, a real
 * child process per test file. Never downloads a browser: the system Chromium is used.
 * One worker: the suites start servers, Chromium and PDF renders on a 2-core machine.
 */
import { defineConfig } from '@playwright/test';
import { HEADLESS_CHROMIUM_ARGS, findChromium } from './engine/pdf/find-chromium.ts';

export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'test-results/playwright',
  globalSetup: './tests/e2e/global-setup.ts',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  // Generous: a loaded CI machine; every wait is for a state, never a fixed sleep.
  timeout: 240_000,
  expect: { timeout: 45_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1024, height: 700 },
    actionTimeout: 30_000,
    navigationTimeout: 60_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: findChromium(),
      args: [...HEADLESS_CHROMIUM_ARGS],
    },
  },
});
