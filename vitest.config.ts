import { defineConfig } from 'vitest/config';

// One vitest run over every package (each package is a project), so CI gets one summary.
export default defineConfig({
  test: {
    projects: ['packages/*'],
  },
});
