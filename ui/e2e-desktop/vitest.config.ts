// Desktop tests: the real app (and its installed package) on a virtual display. scripts/test
// runs them under xvfb-run and a D-Bus session, after building the app and its packages.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['e2e-desktop/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 240_000,
    // One app at a time on one display.
    fileParallelism: false,
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
  },
});
