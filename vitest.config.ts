import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'research/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each file in its own process: onnxruntime's native addon cannot be reloaded in a thread.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
