export { presets, resolveConfig, type GPTConfig, type ResolvedGPTConfig } from './config';
export { Block, GPT, MLP, type ForwardOptions, type GPTOptions, type GenerateOptions } from './gpt';
export { argmax, sampleLogits, type SamplingOptions } from './sampling';
export { loadStateDict, toStateDict, type TensorData } from './state-dict';
export { parseSafetensors, serializeSafetensors, type SafetensorsDtype, type SafetensorsFile, type SafetensorsTensor } from './safetensors';
