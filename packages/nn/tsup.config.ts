import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // tfjs-core ships its gradients only as extensionless ESM, which plain Node ESM cannot load:
  // bundle them (they register into tfjs's global registry, shared by every copy of tfjs-core).
  noExternal: [/^@tensorflow\/tfjs-core\/dist\/register_all_gradients/],
});
