import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (pure, fast, no servers) and `integration` (`*.int.test.ts`, real Kafka broker and
 * real S3-compatible store, addresses from env or `.services/services.env`; see test/integration/services.ts).
 */
export default defineConfig({
  test: {
    // The JSON report lets .ci/run print a plain "N passed, N failed" line.
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest/results.json' },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.int.test.ts', 'node_modules/**'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.int.test.ts'],
          testTimeout: 240_000,
          hookTimeout: 240_000,
          // One broker and one store on a 2-core machine: integration files run one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
