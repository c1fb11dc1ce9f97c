// Builds the console into dist/ui (served by the gateway at /ui): Preact's JSX through Vite's own Oxc transform,
// hashed file names (cached for a year), everything bundled from npm packages, nothing fetched from elsewhere.
// Run as `vite build ui`: this folder is the root, so the paths below are relative to it.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/ui/',
  publicDir: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: '../dist/ui',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    // No inline data: URLs for assets: the page's CSP allows its own files only.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
