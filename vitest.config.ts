import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['tests/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'tlbemu', include: ['tests/**/*.test.ts'] } },
      // The instruction suites again with the block compiler taking every instruction from its first
      // execution (tests/helpers/test-machine.ts reads the threshold): blocks against hand-checked results.
      {
        extends: true,
        test: { name: 'cpu-blocks', include: ['tests/cpu/**/*.test.ts'], env: { TLBEMU_TEST_JIT_THRESHOLD: '1' } },
      },
    ],
  },
});
