export {
  DEFAULT_ATTENTION,
  checkWeightsFit,
  headsFor,
  isOneHead,
  minParameters,
  presets,
  resolveConfig,
  type GPTConfig,
  type ResolvedGPTConfig,
} from './config';
export {
  EXPORT_FILES,
  EXPORT_FORMAT,
  EXPORT_MANIFEST,
  exportFiles,
  readExport,
  type ExportManifest,
  type ExportSource,
  type ExportableTokenizer,
} from './export';
export { Block, GPT, MLP, type ForwardOptions, type GPTOptions, type GenerateOptions } from './gpt';
export { argmax, sampleLogits, type SamplingOptions } from './sampling';
export { loadStateDict, toStateDict, type TensorData } from './state-dict';
export { parseSafetensors, serializeSafetensors, type SafetensorsDtype, type SafetensorsFile, type SafetensorsTensor } from './safetensors';
