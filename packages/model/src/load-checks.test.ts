import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerAttention, MultiHeadAttention } from '@scratchgpt/attention';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GPTConfig } from './config';
import { GPT } from './gpt';
import {
  MAX_PARAMETERS,
  checkFinite,
  checkParameterBudget,
  findNonFinite,
  listsAttention,
  parameterCount,
  parameterShapes,
} from './load-checks';
import { stateDictShapes, toStateDict } from './state-dict';

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

const tiny: GPTConfig = { vocabSize: 11, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0, bias: true };
const variants: GPTConfig[] = ['fused', 'wrapper', 'single'].flatMap((attention) =>
  [{}, { bias: false }, { tieWeights: false }, { bias: false, qkvBias: true, tieWeights: false }, { bias: true, qkvBias: false }].map(
    (v) => ({ ...tiny, attention, nHead: attention === 'single' ? 1 : 2, ...v }),
  ),
);
const label = (c: GPTConfig) => `${c.attention} bias ${c.bias} qkvBias ${c.qkvBias} tie ${c.tieWeights}`;

describe('parameterShapes', () => {
  it.each(variants.map((c) => [label(c), c] as const))("%s: the model's own names, shapes and order", (_, config) => {
    const model = new GPT(config);
    expect([...parameterShapes(config)]).toEqual(model.namedParameters().map(([name, p]) => [name, p.shape]));
    expect(parameterCount(config)).toBe(model.numParams());
    model.dispose();
  });

  it.each(variants.map((c) => [label(c), c] as const))('%s: stateDictShapes is what toStateDict writes', async (_, config) => {
    const model = new GPT(config);
    const written = [...(await toStateDict(model))].map(([name, t]) => [name, t.shape]);
    expect([...stateDictShapes(config)].map(([name, { shape }]) => [name, shape])).toEqual(written);
    model.dispose();
  });

  it("is lazy: a config of a billion layers costs nothing until it is read, and leaves out a registered kind's attention", () => {
    const shapes = parameterShapes({ ...tiny, nLayer: 1_000_000_000 });
    expect(shapes.next().value).toEqual(['transformer.wte.weight', [11, 16]]);
    registerAttention('load-checks-test', (c) => new MultiHeadAttention(c));
    expect(listsAttention('load-checks-test')).toBe(false);
    expect(listsAttention('fused')).toBe(true);
    const own = [...parameterShapes({ ...tiny, attention: 'load-checks-test' })].map(([name]) => name);
    expect(own.filter((n) => n.includes('.attn.'))).toEqual([]);
    expect(own).toContain('transformer.h.1.mlp.c_proj.weight');
  });
});

describe('checkParameterBudget', () => {
  it('names the count, the budget and how to raise it', () => {
    expect(MAX_PARAMETERS).toBe(500_000_000);
    expect(() => checkParameterBudget(MAX_PARAMETERS, 'the file')).not.toThrow();
    expect(() => checkParameterBudget(MAX_PARAMETERS + 1, 'the file')).toThrow(
      'the file has 500,000,001 parameters, more than the budget of 500,000,000 (maxParameters; default MAX_PARAMETERS = 500,000,000, 4 bytes each as float32); nothing was built. If you mean to build or load a model this large and have the memory, pass { maxParameters: 500000001 } (to new GPT or the loader).',
    );
    expect(() => checkParameterBudget(2000, 'the file', { maxParameters: 1000 })).toThrow('more than the budget of 1,000');
    expect(() => checkParameterBudget(2000, 'the file', { maxParameters: Infinity })).not.toThrow();
    expect(() => checkParameterBudget(1, 'the file', { maxParameters: Number.NaN })).toThrow('maxParameters must be a non-negative number');
  });
});

describe('checkFinite', () => {
  it('names the first tensor with NaN or ±Infinity and counts them', () => {
    const t = (...xs: number[]) => ({ data: new Float32Array(xs) });
    expect(findNonFinite([['a', t(1, -0, 3.4e38, -1e-45)]])).toBeUndefined();
    const tensors: Array<[string, { data: Float32Array }]> = [
      ['a', t(1, 2)],
      ['b', t(Number.NaN, 1, Number.POSITIVE_INFINITY)],
      ['c', t(Number.NEGATIVE_INFINITY)],
    ];
    expect(findNonFinite(tensors)).toEqual({ name: 'b', count: 2, size: 3, total: 3, tensors: 2 });
    expect(() => checkFinite(tensors, 'the checkpoint')).toThrow(
      'the checkpoint has non-finite weights: tensor "b" has 2 NaN or infinite values of 3 (3 in 2 tensors in all). The training that wrote it diverged (or the file was edited): use an earlier checkpoint, or train again with a lower learning rate.',
    );
    expect(() => checkFinite([['w', t(1, Number.NaN)]], 'the weights file')).toThrow(
      'the weights file has non-finite weights: tensor "w" has 1 NaN or infinite values of 2.',
    );
  });
});
