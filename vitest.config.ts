import { defineConfig } from 'vitest/config';

/** Integration tests share one real PostgreSQL + Redis (started by scripts/with-services.sh). */
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.data/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    reporters: ['default'],
  },
});
