/**
 * electron-vite: main (ESM, plus the Piscina worker as its own entry), preload (CommonJS:
 * a sandboxed preload cannot be an ES module) and the renderer (root renderer/).
 *
 * out/main/index.js       main process (package.json "main")
 * out/main/worker.mjs     pipeline worker, started by Piscina from app.asar.unpacked; .mjs
 *                         (and .mjs chunks) so it stays ESM without a package.json beside it,
 *                         and its npm deps are bundled, since node_modules is not unpacked
 * out/preload/index.cjs   preload
 * out/renderer/           renderer, served over quire://app
 */
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

const root = import.meta.dirname;

/** npm packages the worker imports: bundled into out/main so the unpacked worker needs no node_modules. */
const WORKER_DEPS = ['marked', 'turndown', '@joplin/turndown-plugin-gfm'];

export default defineConfig({
  main: {
    build: {
      externalizeDeps: { exclude: WORKER_DEPS },
      rolldownOptions: {
        input: {
          index: resolve(root, 'main/index.ts'),
          worker: resolve(root, 'engine/pipeline/worker.ts'),
        },
        output: {
          format: 'es',
          entryFileNames: (chunk) => (chunk.name === 'worker' ? '[name].mjs' : '[name].js'),
          chunkFileNames: 'chunks/[name]-[hash].mjs',
        },
      },
    },
  },
  preload: {
    build: {
      // Sandboxed preloads may require() only electron and a few builtins: bundle the rest.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(root, 'preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    plugins: [react()],
    build: {
      // Assets as files, like the web build (vite.web.config.ts): nothing depends on data: URLs.
      assetsInlineLimit: 0,
      rolldownOptions: { input: resolve(root, 'renderer/index.html') },
    },
  },
});
