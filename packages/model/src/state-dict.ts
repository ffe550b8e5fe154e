/**
 * Weights in nanoGPT's state-dict names and PyTorch layouts, so a model moves between scratchgpt,
 * nanoGPT and GPT-2 checkpoints:
 * - Linear weights are stored `[out, in]` as `nn.Linear` does (ours are `[in, out]`); GPT-2's
 *   Conv1D files store `[in, out]`, recognised on load by `c_attn.weight` being `[C, 3C]`.
 * - Attention is written as nanoGPT's `c_attn` (`[3C, C]`: queries, keys, values, head by head)
 *   and `c_proj`; `wrapper` heads are concatenated into it, and `single` is written as one head
 *   with an identity `c_proj` (and read back only from such a file).
 * - A tied head is written as `lm_head.weight` too (nanoGPT loads it); names may lack the
 *   `transformer.` prefix (Hugging Face GPT-2), and GPT-2's `attn.bias` mask buffers are ignored.
 * Loading checks the weights against the config before anything is assigned or built
 * (`checkStateDict`: names and shapes from the config alone, no tensor left over, the parameter
 * budget, finite values), since a file is untrusted input.
 * Non-goals: optimizer state, attention kinds other than single, wrapper and fused.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MultiHeadAttention, MultiHeadAttentionWrapper, SingleHeadAttention, type Attention } from '@scratchgpt/attention';
import { Linear } from '@scratchgpt/nn';
import { resolveConfig, type GPTConfig } from './config';
import type { GPT } from './gpt';
import { checkFinite, checkParameterBudget, listsAttention, parameterShapes, shapeSize, type LoadLimits } from './load-checks';

/** A tensor's shape and float32 values. */
export interface TensorData {
  shape: number[];
  data: Float32Array;
}

const ATTN_PARTS = ['c_attn.weight', 'c_attn.bias', 'c_proj.weight', 'c_proj.bias'] as const;
type AttnPart = (typeof ATTN_PARTS)[number];

/** One tensor of the state dict: nanoGPT name, our tensor ([in, out] for Linear), and whether it is a Linear weight. */
interface Entry {
  name: string;
  tensor: tf.Tensor;
  linear: boolean;
}

/** The state dict's tensors in nanoGPT's order. Call inside `tf.tidy`: attention parts may be new tensors. */
function entries(model: GPT): Entry[] {
  const linears = new Set(
    model
      .namedModules()
      .filter(([, m]) => m instanceof Linear)
      .map(([n]) => `${n}.weight`),
  );
  const out: Entry[] = [];
  const attnPrefix = /^transformer\.h\.(\d+)\.attn\./;
  for (const [name, p] of model.namedParameters()) {
    const m = attnPrefix.exec(name);
    if (m === null) out.push({ name, tensor: p, linear: linears.has(name) });
    else if (!out.some((e) => e.name.startsWith(m[0]))) {
      for (const [part, tensor] of attentionToNano(model.transformer.h[Number(m[1])]!.attn, model.config.bias)) {
        out.push({ name: m[0] + part, tensor, linear: part.endsWith('weight') });
      }
    }
  }
  if (model.lm_head === null) out.push({ name: 'lm_head.weight', tensor: model.transformer.wte.weight, linear: false });
  return out;
}

/** The model's weights as nanoGPT's state dict (PyTorch layouts), in nanoGPT's order; read asynchronously (any backend, GPU included). */
export async function toStateDict(model: GPT): Promise<Map<string, TensorData>> {
  // 1. The tensors in PyTorch layout ([out, in] for Linear weights), kept past the tidy.
  const layout = tf.tidy(() =>
    entries(model).map(({ name, tensor, linear }) => ({ name, tensor: tf.keep(linear ? tf.transpose(tensor) : tf.clone(tensor)) })),
  );
  // 2. Their values, read without blocking.
  try {
    const out = new Map<string, TensorData>();
    for (const { name, tensor } of layout) out.set(name, { shape: tensor.shape, data: Float32Array.from(await tensor.data()) }); // a copy: data() may be the backend's own
    return out;
  } finally {
    tf.dispose(layout.map((e) => e.tensor));
  }
}

/**
 * The tensors of a GPT of this config as nanoGPT's state dict names and shapes them, in nanoGPT's
 * order, computed from the config alone: the fused model's parameters (`parameterShapes`) with
 * PyTorch's `[out, in]` Linear weights (`linear` says which), and a tied model's `lm_head.weight`
 * too (nanoGPT writes it; it is `wte`). Lazy; only `single`, `wrapper` and `fused` attention have this layout.
 */
export function* stateDictShapes(config: GPTConfig): Generator<[name: string, { shape: number[]; linear: boolean }]> {
  const c = resolveConfig(config);
  if (!listsAttention(c.attention))
    throw new Error(`Attention kind "${c.attention}" has no nanoGPT layout; load weights into single, wrapper or fused models.`);
  for (const [name, shape] of parameterShapes({ ...c, attention: 'fused' })) {
    const linear = name.endsWith('.weight') && !/\.(wte|wpe|ln_1|ln_2|ln_f)\.weight$/.test(name);
    yield [name, { shape: linear ? [...shape].reverse() : shape, linear }];
  }
  if (c.tieWeights) yield ['lm_head.weight', { shape: [c.vocabSize, c.nEmbd], linear: false }];
}

/** A state dict checked against a config by {@link checkStateDict}. */
export interface CheckedStateDict {
  /** Every tensor the model takes, by its nanoGPT name (with the `transformer.` prefix). */
  tensors: Map<string, TensorData>;
  /** Linear weights are GPT-2's Conv1D `[in, out]`, not `nn.Linear`'s `[out, in]`. */
  conv1d: boolean;
  /** The model's parameter count. */
  parameters: number;
}

/**
 * Checks nanoGPT (or GPT-2) weights against a config without building anything: every tensor the
 * config needs is there with exactly its shape, no tensor is left over, the model is within the
 * parameter budget (`maxParameters`, default `MAX_PARAMETERS`) and every value is finite. The error
 * names the tensor (and both shapes, or the count of NaN values). `GPT.fromSafetensors` runs it
 * before it allocates the model; `loadStateDict` runs it too.
 */
export function checkStateDict(
  config: GPTConfig,
  tensors: Map<string, TensorData>,
  limits: LoadLimits & { what?: string } = {},
): CheckedStateDict {
  const c = resolveConfig(config);
  const C = c.nEmbd;
  tensors = new Map([...tensors].map(([name, t]) => [name.replace(/^_orig_mod\./, ''), t])); // torch.compile's prefix, as nanoGPT's sample.py
  tensors = tiedHead(c.tieWeights, tensors);
  const find = (name: string): TensorData | undefined => tensors.get(name) ?? tensors.get(name.replace(/^transformer\./, ''));
  const cAttn = find('transformer.h.0.attn.c_attn.weight');
  const conv1d = cAttn !== undefined && cAttn.shape[0] === C && cAttn.shape[1] === 3 * C; // GPT-2's Conv1D: [in, out]
  // Every tensor the config needs, in order; lazy, so a config of more layers than the file stops at the first missing one.
  const used = new Map<string, TensorData>();
  const known = new Set<string>();
  for (const [name, { shape, linear }] of stateDictShapes(c)) {
    known.add(name).add(name.replace(/^transformer\./, ''));
    const want = linear && conv1d ? [...shape].reverse() : shape;
    const t = find(name);
    if (t === undefined && name === 'lm_head.weight' && c.tieWeights) continue; // tied: GPT-2 files omit it
    if (t === undefined) throw new Error(`loadStateDict: the weights have no tensor "${name}" (shape [${want}]), which this config needs.`);
    if (t.shape.join() !== want.join()) {
      throw new Error(
        `loadStateDict: tensor "${name}" has shape [${t.shape}], but this config needs [${want}]; check the config (vocabSize, nEmbd, nLayer, bias, tieWeights).`,
      );
    }
    used.set(name, t);
  }
  const extra = unusedTensor(tensors, known);
  if (extra !== undefined) throw unused(extra);
  let parameters = 0;
  for (const [, shape] of parameterShapes(c)) parameters += shapeSize(shape);
  checkParameterBudget(parameters, limits.what ?? 'the weights', limits);
  checkFinite(used, limits.what ?? 'the weights');
  return { tensors: used, conv1d, parameters };
}

/** The first tensor of a state dict that a config does not use (GPT-2's attention mask buffers aside). */
function unusedTensor(tensors: Map<string, TensorData>, known: ReadonlySet<string>): string | undefined {
  for (const name of tensors.keys()) if (!known.has(name) && !/\.attn\.(masked_)?bias$/.test(name)) return name;
  return undefined;
}

const unused = (name: string) =>
  new Error(
    `loadStateDict: the weights have a tensor "${name}" that this config does not use; check the config (bias, tieWeights, nLayer).`,
  );

/** Loads nanoGPT (or GPT-2) weights, checked first by {@link checkStateDict} (the model is already built: no budget). */
export function loadStateDict(model: GPT, tensors: Map<string, TensorData>): void {
  assignStateDict(model, checkStateDict(model.config, tensors, { maxParameters: Number.POSITIVE_INFINITY }));
}

/** Assigns checked weights to a model of the config they were checked against. */
export function assignStateDict(model: GPT, checked: CheckedStateDict): void {
  const { tensors, conv1d } = checked;
  tf.tidy(() => {
    // 1. Every expected tensor in our layout ([in, out] for Linear weights).
    const values = new Map<string, tf.Tensor>();
    for (const { name, linear } of entries(model)) {
      const t = tensors.get(name);
      if (t === undefined) continue; // a tied head: the model's own wte
      const value = tf.tensor(t.data, t.shape);
      values.set(name, linear && !conv1d ? tf.transpose(value) : value);
    }
    // 2. Assign: plain parameters by name, attention through its kind.
    const attnPrefix = /^transformer\.h\.\d+\.attn\./;
    for (const [name, p] of model.namedParameters()) if (!attnPrefix.test(name)) p.assign(values.get(name)!);
    model.transformer.h.forEach((block, i) => {
      const parts = new Map(ATTN_PARTS.map((part) => [part, values.get(`transformer.h.${i}.attn.${part}`)]));
      attentionFromNano(block.attn, parts, i, (part) => tensors.get(`transformer.h.${i}.attn.${part}`));
    });
  });
}

/**
 * A tied model reads one matrix for `transformer.wte.weight` and `lm_head.weight`: either name will
 * do (safetensors' `save_model` keeps only one of shared tensors), and two different ones are an
 * untied checkpoint.
 */
function tiedHead(tied: boolean, tensors: Map<string, TensorData>): Map<string, TensorData> {
  if (!tied) return tensors;
  const wteName = tensors.has('transformer.wte.weight') ? 'transformer.wte.weight' : 'wte.weight';
  const wte = tensors.get(wteName);
  const head = tensors.get('lm_head.weight');
  if (head === undefined) return tensors;
  const out = new Map(tensors);
  out.delete('lm_head.weight');
  if (wte === undefined) return out.set('transformer.wte.weight', head);
  if (wte.data.length !== head.data.length || wte.data.some((v, i) => v !== head.data[i])) {
    throw new Error(
      'loadStateDict: lm_head.weight differs from transformer.wte.weight, so these weights have an untied head; load them with tieWeights: false.',
    );
  }
  return out;
}

/** An attention module's weights as nanoGPT's c_attn / c_proj, in our [in, out] layout. */
function attentionToNano(attn: Attention, bias: boolean): Map<AttnPart, tf.Tensor> {
  const out = new Map<AttnPart, tf.Tensor>();
  const setIf = (part: AttnPart, t: tf.Tensor | null | undefined) => t && out.set(part, t);
  if (attn instanceof MultiHeadAttention) {
    setIf('c_attn.weight', attn.c_attn.weight);
    setIf('c_attn.bias', attn.c_attn.bias);
    setIf('c_proj.weight', attn.c_proj.weight);
    setIf('c_proj.bias', attn.c_proj.bias);
  } else if (attn instanceof MultiHeadAttentionWrapper) {
    const parts = (key: 'query' | 'key' | 'value', field: 'weight' | 'bias') => attn.heads.map((h) => h[key][field]!);
    setIf('c_attn.weight', tf.concat([...parts('query', 'weight'), ...parts('key', 'weight'), ...parts('value', 'weight')], 1));
    if (attn.heads[0]!.query.bias)
      setIf('c_attn.bias', tf.concat([...parts('query', 'bias'), ...parts('key', 'bias'), ...parts('value', 'bias')], 0));
    setIf('c_proj.weight', attn.c_proj.weight);
    setIf('c_proj.bias', attn.c_proj.bias);
  } else if (attn instanceof SingleHeadAttention) {
    const { query, key, value } = attn.head;
    const C = query.inFeatures;
    setIf('c_attn.weight', tf.concat([query.weight, key.weight, value.weight], 1));
    if (query.bias) setIf('c_attn.bias', tf.concat([query.bias, key.bias!, value.bias!], 0));
    setIf('c_proj.weight', tf.eye(C));
    if (bias) setIf('c_proj.bias', tf.zeros([C]));
  } else {
    throw new Error(`Attention kind "${attn.kind}" has no nanoGPT layout; save single, wrapper or fused models.`);
  }
  return out;
}

function attentionFromNano(
  attn: Attention,
  parts: Map<AttnPart, tf.Tensor | undefined>,
  layer: number,
  raw: (part: AttnPart) => TensorData | undefined,
): void {
  const w = parts.get('c_attn.weight')!;
  const b = parts.get('c_attn.bias');
  if (attn instanceof MultiHeadAttention) {
    attn.c_attn.weight.assign(w);
    if (b) attn.c_attn.bias!.assign(b);
    attn.c_proj.weight.assign(parts.get('c_proj.weight')!);
    attn.c_proj.bias?.assign(parts.get('c_proj.bias')!);
  } else if (attn instanceof MultiHeadAttentionWrapper) {
    tf.tidy(() => {
      const nh = attn.heads.length;
      const ws = tf.split(w, 3 * nh, 1);
      const bs = b ? tf.split(b, 3 * nh, 0) : [];
      attn.heads.forEach((head, h) => {
        (['query', 'key', 'value'] as const).forEach((key, part) => {
          head[key].weight.assign(ws[part * nh + h]!);
          if (b) head[key].bias!.assign(bs[part * nh + h]!);
        });
      });
      attn.c_proj.weight.assign(parts.get('c_proj.weight')!);
      attn.c_proj.bias?.assign(parts.get('c_proj.bias')!);
    });
  } else if (attn instanceof SingleHeadAttention) {
    tf.tidy(() => {
      // The file's own values (the identity reads the same in either layout): no tensor is read back.
      const proj = raw('c_proj.weight')!;
      const C = proj.shape[0]!;
      const offIdentity = proj.data.reduce((m, x, i) => Math.max(m, Math.abs(x - (Math.floor(i / C) === i % C ? 1 : 0))), 0);
      const offZero = (raw('c_proj.bias')?.data ?? new Float32Array()).reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      if (offIdentity > 1e-6 || offZero > 1e-6) {
        throw new Error(
          `loadStateDict: layer ${layer}'s c_proj is not the identity, so a single head cannot hold it; load these weights with attention "fused".`,
        );
      }
      const [q, k, v] = tf.split(w, 3, 1);
      const [qb, kb, vb] = b ? tf.split(b, 3, 0) : [];
      attn.head.query.weight.assign(q!);
      attn.head.key.weight.assign(k!);
      attn.head.value.weight.assign(v!);
      if (b) for (const [i, l] of [attn.head.query, attn.head.key, attn.head.value].entries()) l.bias!.assign([qb, kb, vb][i]!);
    });
  } else {
    throw new Error(`Attention kind "${attn.kind}" has no nanoGPT layout; load weights into single, wrapper or fused models.`);
  }
}
