/**
 * Builds the web page (web/index.html + web/src) into web/dist, which `likeness serve` serves at /.
 *   npm run build:web                       # vite build --config web/vite.config.ts
 *   npx vite --config web/vite.config.ts    # dev server on :5173, /v1 proxied to LIKENESS_API (default http://127.0.0.1:3000)
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    reportCompressedSize: false,
  },
  server: {
    proxy: { '/v1': process.env.LIKENESS_API ?? 'http://127.0.0.1:3000' },
  },
});
