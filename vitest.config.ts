import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // A page or a peer answering "soon" on a loaded 2-core machine: expect.poll waits up to 10 s
    // (Vitest's 1 s default made browser tests fail under load while passing alone).
    expect: { poll: { timeout: 10_000 } },
    // Builds the web portal (dist/web) first when it is missing or older than web/.
    globalSetup: ['test/helpers/portal-build.ts'],
  },
});
