import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import SlowFirstSequencer from './test/support/slow-first-sequencer.js'

export default defineConfig({
  plugins: [vue()],
  test: {
    include: ['test/**/*.test.ts', 'src-main/**/*.test.ts', 'src-renderer/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    // Every temporary file of the run goes to one folder, removed when the run ends.
    globalSetup: ['test/support/vitest-global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Real-process tests spawn replicas; two cores are shared, so files run a few at a time.
    maxWorkers: 2,
    // Files that run real experiments for minutes start first, so the two workers finish together.
    sequence: { sequencer: SlowFirstSequencer },
    reporters: ['default'],
  },
})
