/**
 * End-to-end tests against browser mode in Debian's Chromium (never a downloaded browser), and
 * against the Electron app where its binary is installed. Build first: npm run build.
 */
import { defineConfig } from '@playwright/test'

export const chromiumPath = process.env.CONSENSUS_LAB_CHROMIUM ?? '/usr/bin/chromium'

export default defineConfig({
  testDir: 'test/e2e',
  // Every temporary file of the run (labs' data folders, their runs) goes to one folder, removed at the end.
  globalSetup: './test/support/playwright-global-setup.ts',
  outputDir: 'test-results',
  timeout: 180_000,
  expect: { timeout: 20_000 },
  // Every test runs a real cluster of processes; two at once would fight over two cores.
  workers: 1,
  fullyParallel: false,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  use: {
    headless: true,
    viewport: { width: 1440, height: 900 },
    screenshot: 'on',
    // Recording a trace slows a page that is drawing a live cluster on a busy machine by an order of
    // magnitude; turn it on when a failure needs one: CONSENSUS_LAB_E2E_TRACE=1.
    trace: process.env.CONSENSUS_LAB_E2E_TRACE ? 'retain-on-failure' : 'off',
    launchOptions: {
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  projects: [
    // The replayed-load spec is a benchmark (it prints figures and pins nothing else): `npm run
    // bench:ui` runs it; `npm test` leaves it out, as it leaves out every other benchmark.
    { name: 'browser', testIgnore: process.env.CONSENSUS_LAB_UI_BENCH ? /electron\.spec\.ts$/ : /(electron|ui-load-replayed)\.spec\.ts$/ },
    { name: 'electron', testMatch: /electron\.spec\.ts$/ },
  ],
})
