// Builds three entries: index (the whole API), core (all but tiktoken: '@scratchgpt/tokenizers/core')
// and tiktoken-tokenizer. That last is the only module that imports tiktoken (5.6 MB of WASM), so it
// is a file of its own that the rest imports from outside the bundle ('./tiktoken-tokenizer.js'):
// core never reaches it, and with "sideEffects": false a bundler drops it from apps that import
// the root entry but do not use it. src/bundle.test.ts checks both on the output.
import type { Options } from 'tsup';
import { libraryConfig } from '../../tsup.base';

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

const tiktokenApart: EsbuildPlugin = {
  name: 'tiktoken-apart',
  setup(build) {
    build.onResolve({ filter: /^\.\/tiktoken-tokenizer$/ }, () => ({ path: './tiktoken-tokenizer.js', external: true }));
  },
};

export default libraryConfig(['src/index.ts', 'src/core.ts', 'src/tiktoken-tokenizer.ts'], { esbuildPlugins: [tiktokenApart] });
