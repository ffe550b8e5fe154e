/**
 * The attention kinds by name: the one registry `createAttention`, `GPTConfig.attention`, the
 * command line's help and worker threads read. A kind registered with the URL of the module that
 * registers it (`{ module: import.meta.url }`) also reaches worker threads: `DataParallel` imports
 * every such module in each worker before building its copy of the model.
 */
import type { Module } from '@scratchgpt/nn';
import { MultiHeadAttention } from './fused';
import { SingleHeadAttention } from './single';
import type { Attention, AttentionConfig } from './types';
import { MultiHeadAttentionWrapper } from './wrapper';

/** Makes an attention module from a config. */
export type AttentionFactory = (config: AttentionConfig) => Module & Attention;

/** Options of {@link registerAttention}. */
export interface RegisterAttentionOptions {
  /**
   * The URL or specifier of the module whose import registers this kind (`import.meta.url` from
   * that module), so worker threads can load it too. Without it the kind works in this thread only.
   */
  module?: string;
}

interface Entry {
  factory: AttentionFactory;
  module?: string;
}

const registry = new Map<string, Entry>([
  ['single', { factory: (config) => new SingleHeadAttention(config) }],
  ['wrapper', { factory: (config) => new MultiHeadAttentionWrapper(config) }],
  ['fused', { factory: (config) => new MultiHeadAttention(config) }],
]);
const BUILT_IN = new Set(registry.keys());

/** Adds an attention kind of your own (or replaces one), usable by name everywhere. */
export function registerAttention(kind: string, factory: AttentionFactory, options: RegisterAttentionOptions = {}): void {
  if (typeof kind !== 'string' || !/^[A-Za-z0-9_-]+$/.test(kind))
    throw new Error(`registerAttention: a kind is a name of letters, digits, "-" or "_", got ${JSON.stringify(kind)}.`);
  registry.set(kind, { factory, module: options.module });
}

/** The kinds `createAttention` knows, built-in ones first. */
export function attentionKinds(): string[] {
  return [...registry.keys()];
}

/**
 * What a thread must import before it can build `kind`: `[]` for a built-in kind, the registering
 * module for one registered with `{ module }`; throws for a registered kind without one.
 */
export function attentionModules(kind: string): string[] {
  const entry = registry.get(kind);
  if (entry === undefined || (BUILT_IN.has(kind) && entry.module === undefined)) return [];
  if (entry.module === undefined) {
    throw new Error(
      `attention kind "${kind}" was registered without the module that registers it, so worker threads cannot build it; register it with registerAttention("${kind}", factory, { module: import.meta.url }), or train on one thread.`,
    );
  }
  return [entry.module];
}

/** Makes attention of a kind: `single`, `wrapper`, `fused`, or one you registered. */
export function createAttention(kind: string, config: AttentionConfig): Module & Attention {
  const entry = registry.get(kind);
  if (entry === undefined)
    throw new Error(`Unknown attention kind "${kind}"; use one of ${attentionKinds().join(', ')}, or registerAttention() your own.`);
  const { nEmbd, nHead } = config;
  if (!Number.isInteger(nEmbd) || !Number.isInteger(nHead) || nEmbd < 1 || nHead < 1 || nEmbd % nHead !== 0) {
    throw new Error(`Attention: nEmbd (${nEmbd}) must be a positive multiple of nHead (${nHead}).`);
  }
  return entry.factory(config);
}
