/**
 * The console's build: `npm run build:console` (run by `npm start` and `npm test` first)
 * writes `console/dist`, which the API serves at `/` (api/console.ts). No plugin: JSX goes
 * through Vite's own Oxc transform with React's automatic runtime.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // One small bundle; no inline scripts, so a CSP of `default-src 'self'` holds.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    target: 'es2022',
  },
  logLevel: 'warn',
});
