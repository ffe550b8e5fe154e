import { MultiHeadAttention } from './fused';
import { SingleHeadAttention } from './single';
import type { Attention, AttentionConfig } from './types';
import { MultiHeadAttentionWrapper } from './wrapper';

/** Makes an attention module from a config. */
export type AttentionFactory = (config: AttentionConfig) => Attention;

const factories = new Map<string, AttentionFactory>([
  ['single', (config) => new SingleHeadAttention(config)],
  ['wrapper', (config) => new MultiHeadAttentionWrapper(config)],
  ['fused', (config) => new MultiHeadAttention(config)],
]);

/** Adds an attention kind of your own (or replaces one), usable by name everywhere. */
export function registerAttention(kind: string, factory: AttentionFactory): void {
  factories.set(kind, factory);
}

/** The kinds `createAttention` knows. */
export function attentionKinds(): string[] {
  return [...factories.keys()];
}

/** Makes attention of a kind: `single`, `wrapper`, `fused`, or one you registered. */
export function createAttention(kind: string, config: AttentionConfig): Attention {
  const factory = factories.get(kind);
  if (factory === undefined) throw new Error(`Unknown attention kind "${kind}"; use one of ${attentionKinds().join(', ')}, or registerAttention() your own.`);
  const { nEmbd, nHead } = config;
  if (!Number.isInteger(nEmbd) || !Number.isInteger(nHead) || nEmbd < 1 || nHead < 1 || nEmbd % nHead !== 0) {
    throw new Error(`Attention: nEmbd (${nEmbd}) must be a positive multiple of nHead (${nHead}).`);
  }
  return factory(config);
}
