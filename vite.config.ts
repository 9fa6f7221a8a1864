/**
 * Builds the dashboard (src/web) into dist/web, which the HTTP server serves at `/`.
 * `npx vite --config vite.config.ts` runs a dev server that proxies the API to FUSEBOX_URL (default :8080).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const fusebox = process.env.FUSEBOX_URL ?? 'http://127.0.0.1:8080';
const proxy = { '/api': { target: fusebox, changeOrigin: false } };

export default defineConfig({
  root: fileURLToPath(new URL('./src/web', import.meta.url)),
  base: '/',
  // Preact's automatic JSX runtime, compiled by Vite's oxc transform.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
  server: { proxy },
  preview: { proxy },
});
