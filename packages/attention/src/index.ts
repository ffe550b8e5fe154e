export { MultiHeadAttention } from './fused';
export {
  dropoutBits,
  flashAttention,
  flashAttentionReference,
  flashDropoutMask,
  FlashAttentionDqkvKernel,
  FlashAttentionKernel,
  FlashAttentionRowGradKernel,
  type FlashAttentionOptions,
} from './flash-attention';
export { causalAttention, causalMask, type CausalAttentionOptions } from './causal-attention';
export { KVCache } from './kv-cache';
export {
  attentionKinds,
  attentionModules,
  createAttention,
  registerAttention,
  type AttentionFactory,
  type RegisterAttentionOptions,
} from './registry';
export { Head, SingleHeadAttention } from './single';
export type { Attention, AttentionConfig, AttentionForwardOptions } from './types';
export { MultiHeadAttentionWrapper } from './wrapper';
