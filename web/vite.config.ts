import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The shop's pages: the storefront (index.html, served at /) and the operator console
 * (console/index.html, served at /console), built into dist/web by `npm run build` and
 * served by the same express app (src/web/pages.ts). Nothing is fetched at run time: every
 * script, style and font is in the bundle.
 */
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    sourcemap: 'hidden',
    chunkSizeWarningLimit: 400,
    rolldownOptions: { input: { store: here('index.html'), console: here('console/index.html') } },
  },
  // `npx vite --config web/vite.config.ts` serves the pages with hot reload against `npm start` on :3000.
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
