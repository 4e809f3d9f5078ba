import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The AWS SDK asks Node 20 users to upgrade on every client; Lambda runs Node 22.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    setupFiles: ['./test/helpers/spec-violations.ts'],
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
