import { libraryConfig } from '../../tsup.base';

export default libraryConfig(['src/index.ts', 'src/webgpu/testing.ts'], {
  // tfjs-core ships its gradients only as extensionless ESM, which plain Node ESM cannot load:
  // bundle them (they register into tfjs's global registry, shared by every copy of tfjs-core).
  noExternal: [/^@tensorflow\/tfjs-core\/dist\/register_all_gradients/],
});
