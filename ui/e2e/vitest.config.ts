// Browser tests: Playwright (playwright-core) drives Debian's Chromium against real `trove serve`
// processes on fixture libraries indexed with the project's tiny CLIP (see setup.ts).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['e2e/**/*.test.ts'],
    globalSetup: ['e2e/setup.ts'],
    environment: 'node',
    testTimeout: 90_000,
    hookTimeout: 120_000,
    // One browser at a time on a 2-core machine, and the servers are shared.
    fileParallelism: false,
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
  },
});
