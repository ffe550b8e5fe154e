import { resolveConfig } from '@scratchgpt/model';
import { describe, expect, it } from 'vitest';
import { configErrorIn, resolveTrainConfig } from './config';

const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
};

describe('configErrorIn', () => {
  it('reads a model or recipe error and names the fields the app names, leaving the rest', () => {
    const model = thrown(() => resolveConfig({ vocabSize: 65, nLayer: 1, nHead: 2, nEmbd: 15, blockSize: 8, dropout: 0, bias: false }));
    expect(configErrorIn(model, (field) => (field === 'nEmbd' ? '--n-embd' : undefined))).toEqual({
      kind: 'model',
      text: expect.stringMatching(/^--n-embd \(15\) must be divisible by nHead \(2\)/),
    });
    const recipe = thrown(() => resolveTrainConfig({ batchSize: 0, maxIters: 10, lr: 1e-3 }));
    expect(configErrorIn(recipe, (field) => (field === 'batchSize' ? '"batch-size"' : undefined))).toEqual({
      kind: 'training',
      text: '"batch-size" must be a positive integer, got 0.',
    });
  });

  it('is undefined for any other error', () => {
    expect(configErrorIn(new Error('the disk is full'), () => 'x')).toBeUndefined();
    expect(configErrorIn('TrainConfig lookalike', () => 'x')).toBeUndefined();
  });
});
