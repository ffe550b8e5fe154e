/**
 * What every loader of untrusted weights (a checkpoint, an export, a safetensors file) checks
 * before it builds a model, in one place: the parameters a config implies, named and shaped without
 * allocating anything (`parameterShapes`), the parameter budget (`MAX_PARAMETERS`), and that every
 * value is a finite number (`checkFinite`). A config from a stranger must not make a loader allocate
 * more than the file it came with, and broken (NaN) weights must be refused by name, not sampled.
 */
import { resolveConfig, type GPTConfig } from './config';

/**
 * The most parameters a loader builds a model of unless told otherwise (`maxParameters`): 500
 * million, 2 GB of float32 weights (GPT-2 medium, 355M, fits; GPT-2 large, 774M, does not). A
 * checkpoint needs three times that in memory (weights and AdamW's two moments), training more.
 */
export const MAX_PARAMETERS = 500_000_000;

/** Options of the loaders that build a model from a file. */
export interface LoadLimits {
  /** The most parameters of a model to build. Default {@link MAX_PARAMETERS}. */
  maxParameters?: number;
}

/** The parameters a GPT of this config has, counted from {@link parameterShapes}: nothing is allocated. */
export function parameterCount(config: GPTConfig): number {
  let parameters = 0;
  for (const [, shape] of parameterShapes(config)) parameters += shapeSize(shape);
  return parameters;
}

/** The attention kinds whose parameters {@link parameterShapes} lists (a kind you register has its own). */
const LISTED_KINDS: ReadonlySet<string> = new Set(['single', 'wrapper', 'fused']);

/** Whether {@link parameterShapes} lists the parameters of an attention kind (`single`, `wrapper`, `fused`). */
export function listsAttention(kind: string): boolean {
  return LISTED_KINDS.has(kind);
}

/**
 * The parameters of a GPT of this config, as `model.namedParameters()` names and shapes them
 * (`[in, out]` for Linear weights), in that order, computed from the config alone: nothing is
 * allocated. Lazy, so a loader comparing them with a file stops at the first that the file lacks,
 * however many layers a config claims. For an attention kind you registered (see
 * {@link listsAttention}) the attention's own parameters (`transformer.h.<i>.attn.*`) are left out.
 */
export function* parameterShapes(config: GPTConfig): Generator<[name: string, shape: number[]]> {
  const c = resolveConfig(config);
  const { vocabSize: V, blockSize: T, nEmbd: C, nHead: H, bias, qkvBias } = c;
  function* linear(name: string, inputs: number, outputs: number, withBias: boolean): Generator<[string, number[]]> {
    yield [`${name}.weight`, [inputs, outputs]];
    if (withBias) yield [`${name}.bias`, [outputs]];
  }
  function* layerNorm(name: string): Generator<[string, number[]]> {
    yield [`${name}.weight`, [C]];
    if (bias) yield [`${name}.bias`, [C]];
  }
  function* head(name: string, size: number): Generator<[string, number[]]> {
    for (const part of ['key', 'query', 'value']) yield* linear(`${name}.${part}`, C, size, qkvBias);
  }
  yield ['transformer.wte.weight', [V, C]];
  yield ['transformer.wpe.weight', [T, C]];
  for (let i = 0; i < c.nLayer; i++) {
    const block = `transformer.h.${i}`;
    yield* layerNorm(`${block}.ln_1`);
    if (c.attention === 'fused') {
      yield* linear(`${block}.attn.c_attn`, C, 3 * C, qkvBias);
      yield* linear(`${block}.attn.c_proj`, C, C, bias);
    } else if (c.attention === 'wrapper') {
      for (let h = 0; h < H; h++) yield* head(`${block}.attn.heads.${h}`, C / H);
      yield* linear(`${block}.attn.c_proj`, C, C, bias);
    } else if (c.attention === 'single') {
      yield* head(`${block}.attn.head`, C);
    }
    yield* layerNorm(`${block}.ln_2`);
    yield* linear(`${block}.mlp.c_fc`, C, 4 * C, bias);
    yield* linear(`${block}.mlp.c_proj`, 4 * C, C, bias);
  }
  yield* layerNorm('transformer.ln_f');
  if (!c.tieWeights) yield* linear('lm_head', C, V, bias);
}

/** The number of values of a shape (1 for `[]`). */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/**
 * Throws when a model of `parameters` parameters is over the budget (`maxParameters`, default
 * {@link MAX_PARAMETERS}); `what` names the model's source, e.g. "the checkpoint". Loaders call it
 * once the config has been checked against the file's tensors, before building the model.
 */
export function checkParameterBudget(parameters: number, what: string, limits: LoadLimits = {}): void {
  const max = limits.maxParameters ?? MAX_PARAMETERS;
  if (typeof max !== 'number' || Number.isNaN(max) || max < 0)
    throw new Error(`maxParameters must be a non-negative number, got ${JSON.stringify(max)}.`);
  if (parameters > max) {
    throw new Error(
      `${what} has ${parameters.toLocaleString('en-US')} parameters, more than the budget of ${max.toLocaleString('en-US')} (maxParameters; default MAX_PARAMETERS = ${MAX_PARAMETERS.toLocaleString('en-US')}, 4 bytes each as float32); nothing was built. If you mean to build or load a model this large and have the memory, pass { maxParameters: ${parameters} } (to new GPT or the loader).`,
    );
  }
}

/** Where non-finite values are in a set of tensors: the first such tensor, its count, and the totals. */
export interface NonFinite {
  /** The first tensor (in the order given) holding a NaN or ±Infinity. */
  name: string;
  /** How many of its values are not finite, and how many it has. */
  count: number;
  size: number;
  /** Non-finite values in all the tensors, and how many tensors hold any. */
  total: number;
  tensors: number;
}

/** Finds NaN and ±Infinity in one pass over each tensor's values; undefined when every value is finite. */
export function findNonFinite(tensors: Iterable<readonly [string, { data: Float32Array }]>): NonFinite | undefined {
  let found: NonFinite | undefined;
  for (const [name, { data }] of tensors) {
    let count = 0;
    for (let i = 0; i < data.length; i++) {
      const x = data[i]!;
      if (x - x !== 0) count++; // NaN - NaN and ∞ - ∞ are NaN; every finite x gives 0
    }
    if (count === 0) continue;
    if (found === undefined) found = { name, count, size: data.length, total: 0, tensors: 0 };
    found.total += count;
    found.tensors++;
  }
  return found;
}

/**
 * Throws when any value is NaN or ±Infinity, naming the first tensor that holds one and the counts;
 * `what` names the source, e.g. "the checkpoint". A model with such weights gives NaN logits: its
 * samples, losses and exports would be garbage that looks like a result.
 */
export function checkFinite(tensors: Iterable<readonly [string, { data: Float32Array }]>, what: string): void {
  const bad = findNonFinite(tensors);
  if (bad === undefined) return;
  const others = bad.tensors > 1 ? ` (${bad.total.toLocaleString('en-US')} in ${bad.tensors} tensors in all)` : '';
  throw new Error(
    `${what} has non-finite weights: tensor "${bad.name}" has ${bad.count.toLocaleString('en-US')} NaN or infinite values of ${bad.size.toLocaleString('en-US')}${others}. The training that wrote it diverged (or the file was edited): use an earlier checkpoint, or train again with a lower learning rate.`,
  );
}
