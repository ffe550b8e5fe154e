// The build every published package shares: ESM only, types, source maps, ES2022.
import { defineConfig, type Options } from 'tsup';

export function libraryConfig(entry: string[], overrides: Options = {}) {
  return defineConfig({ entry, format: ['esm'], dts: true, sourcemap: true, clean: true, target: 'es2022', ...overrides });
}
