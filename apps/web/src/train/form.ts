/**
 * The Train view's form and a run's spec, both ways: which input sets which field of the model or
 * the recipe (one table, `NUMBER_FIELDS`, read by the page, the URL and the spec), a preset's
 * values for the inputs, the URL's prefill (`?max-iters=30&backend=wasm&fail-at-step=5`), and the
 * `RunSpec` the worker gets. Only numbers are checked here (a field that is not one is named);
 * the rules of each field are the model's and the recipe's (`resolveConfig`, `resolveTrainConfig`),
 * which the worker applies and whose errors the page shows.
 */
import type { GPTConfig } from '@scratchgpt/model';
import type { TrainConfig } from '@scratchgpt/train';
import type { CorpusSource, DebugHooks, RunSpec } from './protocol';

/** The number inputs: element id, the part of the spec and its field, and the input's step. */
export const NUMBER_FIELDS = [
  { id: 'n-layer', part: 'model', key: 'nLayer', step: '1' },
  { id: 'n-head', part: 'model', key: 'nHead', step: '1' },
  { id: 'n-embd', part: 'model', key: 'nEmbd', step: '1' },
  { id: 'block-size', part: 'model', key: 'blockSize', step: '1' },
  { id: 'dropout', part: 'model', key: 'dropout', step: '0.05' },
  { id: 'batch-size', part: 'train', key: 'batchSize', step: '1' },
  { id: 'max-iters', part: 'train', key: 'maxIters', step: '1' },
  { id: 'eval-interval', part: 'train', key: 'evalInterval', step: '1' },
  { id: 'eval-iters', part: 'train', key: 'evalIters', step: '1' },
  { id: 'lr', part: 'train', key: 'lr', step: 'any' },
  { id: 'warmup-iters', part: 'train', key: 'warmupIters', step: '1' },
  { id: 'sample-tokens', part: 'train', key: 'sampleTokens', step: '1' },
  { id: 'seed', part: 'train', key: 'seed', step: '1' },
] as const satisfies ReadonlyArray<
  { id: string; step: string } & ({ part: 'model'; key: keyof GPTConfig } | { part: 'train'; key: keyof TrainConfig })
>;
export type NumberFieldId = (typeof NUMBER_FIELDS)[number]['id'];

/** The other inputs the URL may prefill, by element id. */
export const TEXT_FIELDS = ['corpus-kind', 'corpus-text', 'tokenizer', 'attention', 'preset', 'run-name'] as const;

/** The corpus kinds of the `corpus-kind` select: the `kind` of `CorpusSource`, and its label. */
export const CORPUS_KINDS = [
  { kind: 'shakespeare', label: 'Tiny Shakespeare' },
  { kind: 'file', label: 'a file' },
  { kind: 'text', label: 'pasted text' },
] as const satisfies ReadonlyArray<{ kind: CorpusSource['kind']; label: string }>;

/** What the form needs of a preset (`PRESETS` of `@scratchgpt/train`). */
export interface PresetLike {
  description: string;
  model: Partial<GPTConfig>;
  train: TrainConfig;
}

/**
 * The inputs' values for a preset: its model's and its recipe's fields, with the recipe's defaults
 * filled in by `resolveTrain` (pass `resolveTrainConfig`, the defaults' one home).
 */
export function presetValues(preset: PresetLike, resolveTrain: (c: TrainConfig) => TrainConfig): Record<NumberFieldId, string> {
  const train = resolveTrain(preset.train);
  const values = {} as Record<NumberFieldId, string>;
  for (const f of NUMBER_FIELDS) {
    const v = f.part === 'model' ? preset.model[f.key] : train[f.key];
    values[f.id] = v === undefined ? '' : String(v);
  }
  return values;
}

/** The form's values (element id → value) as the page reads them. */
export type FormValues = Record<NumberFieldId | 'tokenizer' | 'attention' | 'preset' | 'run-name', string>;

/** The name a run gets when none is typed: "char, fused, shakespeare-char-cpu", plus the text when it is not Tiny Shakespeare. */
export function defaultRunName(values: Pick<FormValues, 'tokenizer' | 'attention' | 'preset'>, corpus: CorpusSource): string {
  const text = corpus.kind === 'file' ? `, ${corpus.name}` : corpus.kind === 'text' ? ', pasted text' : '';
  return `${values.tokenizer.trim()}, ${values.attention}, ${values.preset}${text}`;
}

/**
 * The spec of a new run from the form: every number field shown goes over the preset's (as a
 * command line's flags go over its preset). Throws, naming the field and its value, when one is
 * not a number or the tokenizer is empty.
 */
export function specFromForm(values: FormValues, corpus: CorpusSource): RunSpec {
  const model: Record<string, number | string> = { attention: values.attention };
  const train: Record<string, number> = {};
  for (const f of NUMBER_FIELDS) {
    const text = values[f.id].trim();
    const n = Number(text);
    if (text === '' || !Number.isFinite(n))
      throw new Error(`${f.id}: "${values[f.id]}" is not a number; type one (the preset's is filled in when you pick it).`);
    (f.part === 'model' ? model : train)[f.key] = n;
  }
  const tokenizer = values.tokenizer.trim();
  if (tokenizer === '') throw new Error('tokenizer: empty; type one, e.g. char, bpe:512 or tiktoken:gpt2.');
  return {
    name: values['run-name'].trim() || defaultRunName(values, corpus),
    corpus,
    tokenizer,
    preset: values.preset,
    model: model as RunSpec['model'],
    train: train as RunSpec['train'],
  };
}

/** What the page's URL asks for: field values by element id, the backend, test hooks, and parameters it does not know. */
export interface UrlPrefill {
  fields: Record<string, string>;
  backend?: string;
  debug: DebugHooks;
  unknown: string[];
}

/** Reads the Train view's URL: `?<field id>=value` for any field, `backend=`, `fail-at-step=`. */
export function readUrl(params: URLSearchParams): UrlPrefill {
  const known = new Set<string>([...NUMBER_FIELDS.map((f) => f.id), ...TEXT_FIELDS]);
  const prefill: UrlPrefill = { fields: {}, debug: {}, unknown: [] };
  for (const [key, value] of params) {
    if (key === 'backend' || key === 'train-backend') prefill.backend = value;
    else if (key === 'fail-at-step') {
      const step = Number(value);
      if (!Number.isInteger(step) || step < 1) prefill.unknown.push(`fail-at-step=${value} (a step: a positive integer)`);
      else prefill.debug.failAtStep = step;
    } else if (known.has(key)) prefill.fields[key] = value;
    else prefill.unknown.push(key);
  }
  return prefill;
}
