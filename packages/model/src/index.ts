export {
  ACTIVATIONS,
  DEFAULT_ATTENTION,
  headsFor,
  isOneHead,
  presets,
  resolveConfig,
  type Activation,
  type GPTConfig,
  type ResolvedGPTConfig,
} from './config';
export {
  EXPORT_FILES,
  EXPORT_FORMAT,
  EXPORT_LIMITS,
  EXPORT_MANIFEST,
  checkTokenizerFits,
  exportFiles,
  isPlainFileName,
  maxWeightsBytes,
  readExport,
  type ExportManifest,
  type ExportReader,
  type ExportSource,
  type ExportableTokenizer,
} from './export';
export { Block, GPT, MLP, type ForwardOptions, type GPTOptions, type GenerateOptions } from './gpt';
export { argmax, sampleLogits, type SamplingOptions } from './sampling';
export {
  MAX_PARAMETERS,
  checkFinite,
  checkParameterBudget,
  findNonFinite,
  listsAttention,
  parameterCount,
  parameterShapes,
  shapeSize,
  type LoadLimits,
  type NonFinite,
} from './load-checks';
export { checkStateDict, loadStateDict, stateDictShapes, toStateDict, type CheckedStateDict, type TensorData } from './state-dict';
export {
  MAX_SAFETENSORS_HEADER_BYTES,
  parseSafetensors,
  serializeSafetensors,
  type ParseSafetensorsOptions,
  type SafetensorsDtype,
  type SafetensorsFile,
  type SafetensorsTensor,
} from './safetensors';
