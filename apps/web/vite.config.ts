import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import wasm from 'vite-plugin-wasm';

// COOP/COEP make the page cross-origin isolated, which wasm threads (SharedArrayBuffer) need.
export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** The pages: the sampler, the Train view and the Compare view. */
const page = (name: string) => fileURLToPath(new URL(`./${name}.html`, import.meta.url));

export default defineConfig({
  base: './',
  plugins: [wasm()], // tiktoken's WASM, imported as an ES module
  build: {
    target: 'esnext',
    minify: false, // a minified build breaks threaded wasm (tested with Vite 8)
    rollupOptions: { input: { index: page('index'), train: page('train'), compare: page('compare') } },
  },
  // The training worker builds tokenizers too (tiktoken's WASM), so it gets the same plugin.
  worker: { format: 'es', plugins: () => [wasm()] },
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
});
