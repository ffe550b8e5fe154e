import { defineConfig } from 'vite';
import wasm from 'vite-plugin-wasm';

// COOP/COEP make the page cross-origin isolated, which wasm threads (SharedArrayBuffer) need.
export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  base: './',
  plugins: [wasm()], // tiktoken's WASM, imported as an ES module
  build: { target: 'esnext', minify: false }, // a minified build breaks threaded wasm (tested with Vite 8)
  worker: { format: 'es' },
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
});
