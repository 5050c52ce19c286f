import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
    // Two test files at a time: most of the suite waits on child processes (the built CLI,
    // pdftotext, tmux), so two files overlap well even on two cores.
    maxWorkers: 2,
  },
});
