import { defineConfig } from 'vitest/config';

// Integration tests run once per database: always on the embedded one, and on PostgreSQL too when
// TEST_DATABASE_URL is set (.ci/run sets it). Unit specs run once.
const integration = (name: string) => ({
  extends: true as const,
  test: {
    name,
    include: ['test/**/*.test.ts'],
    env: { HOOKFLOW_TEST_DB: name },
    globalSetup: ['test/support/global-setup.ts'],
  },
});

export default defineConfig({
  test: {
    environment: 'node',
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.spec.ts'] } },
      integration('embedded'),
      ...(process.env.TEST_DATABASE_URL ? [integration('postgres')] : []),
    ],
  },
});
