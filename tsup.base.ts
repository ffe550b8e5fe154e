// The build every published package shares: ESM only, types, ES2022. No source maps: a map's
// sources would be ../src/*.ts (and, for nn, tfjs-core files it bundles), which the tarballs do
// not ship, so a map would only point debuggers and bundlers at missing files; the output is
// unminified ESM that reads as the source does. tests/tarball.ts checks every tarball for this.
import { defineConfig, type Options } from 'tsup';

export function libraryConfig(entry: string[], overrides: Options = {}) {
  return defineConfig({ entry, format: ['esm'], dts: true, sourcemap: false, clean: true, target: 'es2022', ...overrides });
}
