// Vite config for the console renderer: root is renderer/, output renderer/dist, relative base so the
// same bundle loads from the headless server and from Electron's file/loopback origin. No CDN, no eval,
// no inline scripts: the page must run under `default-src 'self'; connect-src 'self' ws: wss:`.
// `#protocol/*` and `#components/*` (the renderer's way to the shared layers) are Node subpath imports
// declared once in package.json "imports": Vite, TypeScript (bundler resolution, so svelte-check too),
// tsx (the renderer's unit tests), esbuild and dependency-cruiser all resolve them from there.
import { defineConfig } from 'vite';
import { svelte, vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  publicDir: 'public',
  plugins: [svelte({ preprocess: vitePreprocess(), compilerOptions: { css: 'external' } })],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // Keep the module-preload polyfill out: it would be the only inline-ish helper and we target modern engines.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
  },
  server: { port: 5173, strictPort: false },
});
