import { defineConfig } from 'vite';

/**
 * Served by the gateway under /console/: hashed file names under assets/ are cached for a year,
 * index.html never (the gateway sets both).
 */
export default defineConfig({
  base: '/console/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    sourcemap: false,
    target: 'es2022',
    rolldownOptions: {
      onwarn(warning, warn) {
        // React Query marks its modules "use client" for server components; a SPA has none.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
});
