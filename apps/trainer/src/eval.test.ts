import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@scratchgpt/nn';
import { GPT } from '@scratchgpt/model';
import { BpeTokenizer, CharTokenizer } from '@scratchgpt/tokenizers';
import { beforeAll, describe, expect, it } from 'vitest';
import { charsCovered, evaluateIds } from './eval';

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

describe('evaluateIds', () => {
  it('counts every target once, in windows of blockSize, and sums their losses', () => {
    const model = new GPT({ vocabSize: 11, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8, dropout: 0, bias: true }, { seed: 3 });
    const ids = Array.from({ length: 37 }, (_, i) => (i * 5 + 3) % 11);
    const { nats, tokens } = evaluateIds(model, ids, 3);
    expect(tokens).toBe(36);
    // Reference: one window at a time, [0, 8), [8, 16), ... and the tail [32, 36).
    let expected = 0;
    for (let start = 0; start < 36; start += 8) {
      const len = Math.min(8, 36 - start);
      const x = tf.tensor2d([ids.slice(start, start + len)], [1, len], 'int32');
      const y = tf.tensor2d([ids.slice(start + 1, start + len + 1)], [1, len], 'int32');
      expected += model.loss(x, y).dataSync()[0]! * len;
      tf.dispose([x, y]);
    }
    expect(Math.abs(nats - expected)).toBeLessThan(1e-4);
    model.dispose();
  });

  it('evaluates without dropout, whatever mode the model is in', () => {
    const model = new GPT({ vocabSize: 11, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8, dropout: 0.5, bias: true }, { seed: 4 });
    const ids = Array.from({ length: 30 }, (_, i) => (i * 3 + 1) % 11);
    model.eval();
    const reference = evaluateIds(model, ids, 2).nats;
    model.train();
    expect(Math.abs(evaluateIds(model, ids, 2).nats - reference)).toBeLessThan(1e-4);
    model.dispose();
  });

  it('counts the characters the targets cover, for any tokenizer', () => {
    const text = 'héllo wörld, héllo wörld';
    const char = CharTokenizer.fromText(text);
    expect(charsCovered(char, char.encode(text))).toBe([...text].length - 1);
    const bpe = BpeTokenizer.train(text.repeat(4), { vocabSize: 265 });
    const ids = bpe.encode(text);
    const first = [...bpe.decode(ids.slice(0, 1))].length;
    expect(charsCovered(bpe, ids)).toBe([...text].length - first);
  });
});
