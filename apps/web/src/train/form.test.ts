// The Train view's form and a run's spec: a preset's values, the URL's prefill, and the spec sent.
import { describe, expect, it } from 'vitest';
import { NUMBER_FIELDS, defaultRunName, presetValues, readUrl, specFromForm, type FormValues } from './form';

const preset = {
  description: 'tiny',
  model: { nLayer: 2, nHead: 2, nEmbd: 32, blockSize: 16, dropout: 0, attention: 'fused' },
  train: { batchSize: 4, maxIters: 100, lr: 1e-3 },
};
// The recipe's defaults as resolveTrainConfig fills them (the page passes the real one).
const resolve = (c: typeof preset.train) => ({ evalInterval: 250, evalIters: 200, warmupIters: 0, sampleTokens: 0, seed: 1337, ...c });

const values = (over: Partial<FormValues> = {}): FormValues => ({
  ...presetValues(preset, resolve),
  tokenizer: 'char',
  attention: 'wrapper',
  preset: 'tiny',
  'run-name': '',
  ...over,
});

describe('presetValues', () => {
  it('fills every number field from the preset and the recipe defaults', () => {
    const v = presetValues(preset, resolve);
    expect(Object.keys(v)).toEqual(NUMBER_FIELDS.map((f) => f.id));
    expect(v).toMatchObject({ 'n-layer': '2', 'n-embd': '32', 'max-iters': '100', lr: '0.001', 'eval-interval': '250', seed: '1337' });
  });
});

describe('specFromForm', () => {
  it('sends every shown field over the preset, in the model or the recipe', () => {
    const spec = specFromForm(values({ 'max-iters': '30', lr: '5e-3' }), { kind: 'shakespeare' });
    expect(spec).toEqual({
      name: 'char, wrapper, tiny',
      corpus: { kind: 'shakespeare' },
      tokenizer: 'char',
      preset: 'tiny',
      model: { attention: 'wrapper', nLayer: 2, nHead: 2, nEmbd: 32, blockSize: 16, dropout: 0 },
      train: { batchSize: 4, maxIters: 30, evalInterval: 250, evalIters: 200, lr: 5e-3, warmupIters: 0, sampleTokens: 0, seed: 1337 },
    });
  });
  it('keeps a typed name', () => {
    expect(specFromForm(values({ 'run-name': ' mine ' }), { kind: 'shakespeare' }).name).toBe('mine');
  });
  it('names a field that is not a number, and an empty tokenizer', () => {
    expect(() => specFromForm(values({ 'n-embd': 'abc' }), { kind: 'shakespeare' })).toThrow(/n-embd: "abc" is not a number/);
    expect(() => specFromForm(values({ lr: '' }), { kind: 'shakespeare' })).toThrow(/lr: "" is not a number/);
    expect(() => specFromForm(values({ tokenizer: ' ' }), { kind: 'shakespeare' })).toThrow(/tokenizer: empty/);
  });
});

describe('defaultRunName', () => {
  it('says the tokenizer, attention, preset and a text other than Tiny Shakespeare', () => {
    const v = { tokenizer: 'bpe:512', attention: 'fused', preset: 'p' };
    expect(defaultRunName(v, { kind: 'shakespeare' })).toBe('bpe:512, fused, p');
    expect(defaultRunName(v, { kind: 'file', name: 'war.txt', bytes: new ArrayBuffer(0) })).toBe('bpe:512, fused, p, war.txt');
    expect(defaultRunName(v, { kind: 'text', text: 'x' })).toBe('bpe:512, fused, p, pasted text');
  });
});

describe('readUrl', () => {
  it('prefills fields by id, the backend and the failure hook', () => {
    const u = readUrl(new URLSearchParams('max-iters=30&n-embd=16&backend=wasm&fail-at-step=5&tokenizer=bpe:96'));
    expect(u).toEqual({
      fields: { 'max-iters': '30', 'n-embd': '16', tokenizer: 'bpe:96' },
      backend: 'wasm',
      debug: { failAtStep: 5 },
      unknown: [],
    });
  });
  it('lists what it does not know', () => {
    const u = readUrl(new URLSearchParams('max-iter=30&fail-at-step=0'));
    expect(u.unknown).toEqual(['max-iter', 'fail-at-step=0 (a step: a positive integer)']);
    expect(u.debug).toEqual({});
  });
});
