/**
 * Builds the renderer for the browser host (`quire serve`) into out/web. The Electron build
 * (electron.vite.config.ts) builds the same renderer/ into out/renderer.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: path.join(root, 'renderer'),
  base: './',
  plugins: [react()],
  build: {
    outDir: path.join(root, 'out', 'web'),
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    // No inline scripts or styles: the host's CSP allows 'self' only.
    assetsInlineLimit: 0,
  },
});
