import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { trainValSplit } from '@scratchgpt/data';
import { GPT } from '@scratchgpt/model';
import { BpeTokenizer, CharTokenizer, type Tokenizer } from '@scratchgpt/tokenizers/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Metric } from './checkpoint';
import type { TrainOptions } from './train';
import {
  PRESETS,
  TextTooShortError,
  blockTokensFor,
  charsCovered,
  encodeSplits,
  measureText,
  medianTokensPerSec,
  presetOf,
  runExtraOf,
  samplePrompt,
  tokenizerText,
} from './run';

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

const hamlet = 'To be, or not to be, that is the question.\n';

describe('presets', () => {
  it('finds a preset by name, and names the presets when there is none', () => {
    expect(presetOf('shakespeare-char-cpu')).toBe(PRESETS['shakespeare-char-cpu']);
    expect(presetOf('shakespeare-char-cpu').model).not.toHaveProperty('vocabSize'); // the tokenizer sets it
    expect(() => presetOf('gpt-5')).toThrow('Unknown preset "gpt-5"; use one of shakespeare-char-cpu, shakespeare-char.');
    expect(() => presetOf('toString')).toThrow('Unknown preset "toString"'); // not an Object.prototype member
  });
});

describe('runExtraOf', () => {
  const data = { path: 'corpus.txt', sha256: 'ab12' };
  it('gives the run metadata of a checkpoint written by a run the apps set up', () => {
    const extra: TrainOptions['extra'] = runExtraOf({ extra: { preset: 'p', data } }); // what train keeps, as it is
    expect(extra).toEqual({ preset: 'p', data });
    expect(runExtraOf({ extra: { preset: 'p', data: { ...data, encoding: 'windows-1252' }, other: 1 } })).toEqual({
      preset: 'p',
      data: { ...data, encoding: 'windows-1252' },
    });
  });
  it('gives undefined for any other extra', () => {
    for (const extra of [
      undefined,
      {},
      { preset: 'p' },
      { preset: 1, data },
      { preset: 'p', data: { path: 'corpus.txt' } },
      { preset: 'p', data: { sha256: 'ab12' } },
      { preset: 'p', data: { ...data, encoding: 8 } },
    ])
      expect(runExtraOf({ extra }), JSON.stringify(extra)).toBeUndefined();
  });
});

describe('tokenizerText', () => {
  it('gives BPE the train split only (val stays unseen), the others the whole text', () => {
    const text = hamlet.repeat(10);
    expect(tokenizerText('bpe:300', text)).toBe(trainValSplit(text).train);
    expect(tokenizerText('char', text)).toBe(text);
    expect(tokenizerText('tiktoken:gpt2', text)).toBe(text);
  });
});

describe('encodeSplits', () => {
  it('encodes the train and val text, split by characters', () => {
    const text = hamlet.repeat(5);
    const tokenizer = CharTokenizer.fromText(text);
    const { train, val } = encodeSplits(text, tokenizer, 8, 'hamlet.txt');
    const split = trainValSplit(text);
    expect([tokenizer.decode(train), tokenizer.decode(val)]).toEqual([split.train, split.val]);
  });

  it('refuses a text whose val split holds no block, with the numbers and the fix in words', () => {
    const run = () => encodeSplits(hamlet, CharTokenizer.fromText(hamlet), 8, 'short.txt');
    expect(run).toThrow(TextTooShortError);
    // 43 characters, 5 in val; 9 tokens needed: about 9 × 43 / 5 / 10% characters would do (774, rounded up in floats).
    expect(run).toThrow(
      'short.txt is too short: its last 10% (the val split) is 5 tokens (char), and a block needs blockSize + 1 = 9. ' +
        'Use a text of roughly 775 characters or more, or a smaller block size.',
    );
    const error = (() => {
      try {
        run();
      } catch (e) {
        return e as TextTooShortError;
      }
    })()!;
    expect([error.source, error.valTokens, error.needTokens, error.suggestedChars]).toEqual(['short.txt', 5, 9, 775]);
    expect(error.message.startsWith(`${error.problem} `)).toBe(true);
    expect(() => encodeSplits(hamlet, CharTokenizer.fromText(hamlet), 4, 'short.txt')).not.toThrow(); // 5 tokens hold a block of 4
  });

  it('names the tokenizer and the text when encoding fails', () => {
    const tokenizer = CharTokenizer.fromText('abc');
    expect(() => encodeSplits('abcabcabcabcabcabcabcxyz', tokenizer, 1, 'odd.txt')).toThrow(/^the tokenizer char cannot encode odd\.txt: /);
  });
});

describe('samplePrompt', () => {
  it('starts from a newline, or from id 0 when the vocabulary has none', () => {
    const withNewline = CharTokenizer.fromText('ab\n');
    expect(samplePrompt(withNewline)).toEqual(withNewline.encode('\n'));
    expect(samplePrompt(CharTokenizer.fromText('ab'))).toEqual([0]);
  });
});

describe('medianTokensPerSec', () => {
  const step = (tokensPerSec: number, valLoss?: number): Metric => ({ step: 1, loss: 1, lr: 1, tokensPerSec, valLoss });
  it('is the median of the training steps, evaluations left out', () => {
    expect(medianTokensPerSec([step(5), step(1, 2.0), step(3), step(100), step(4)])).toBe(5); // 3, 4, 5, 100: the upper middle
    expect(medianTokensPerSec([step(7), step(1000, 2.0), step(2), step(9)])).toBe(7);
    expect(medianTokensPerSec([step(1, 2.0)])).toBe(0);
  });
});

describe('blockTokensFor', () => {
  it('sizes the block in tokens to cover about blockChars characters', () => {
    const char = CharTokenizer.fromText(hamlet);
    expect(blockTokensFor(char, hamlet, 64)).toEqual({ charsPerToken: 1, blockSize: 64 });
    expect(blockTokensFor(char, hamlet, 2).blockSize).toBe(4); // never below 4
    const text = hamlet.repeat(20);
    const bpe = BpeTokenizer.train(text, { vocabSize: 270 });
    const charsPerToken = [...text].length / bpe.encode(text).length;
    expect(charsPerToken).toBeGreaterThan(1.5); // a block of fewer tokens than characters
    expect(blockTokensFor(bpe, text, 64)).toEqual({ charsPerToken, blockSize: Math.round(64 / charsPerToken) });
  });

  it('measures on the first 200,000 characters of the train text, in code points', () => {
    const seen: string[] = [];
    const char = CharTokenizer.fromText('aé');
    const halves: Tokenizer = {
      name: 'halves',
      vocabSize: char.vocabSize,
      encode: (t) => {
        seen.push(t);
        return new Array(Math.ceil(t.length / 2)).fill(0); // two characters a token
      },
      decode: (ids) => char.decode(ids),
      toJSON: () => char.toJSON(),
    };
    const { charsPerToken } = blockTokensFor(halves, 'a'.repeat(199_990) + 'é'.repeat(100), 100);
    expect(seen[0]!.length).toBe(200_000);
    expect(charsPerToken).toBe(2);
  });
});

// The loss over every token once is `evaluate` (tested in train.test.ts); here, the characters it
// is divided by for bits per character, and the two together.
describe('charsCovered', () => {
  it('counts the characters the targets cover, for any tokenizer', () => {
    const text = 'héllo wörld, héllo wörld';
    const char = CharTokenizer.fromText(text);
    expect(charsCovered(char, char.encode(text))).toBe([...text].length - 1);
    const bpe = BpeTokenizer.train(text.repeat(4), { vocabSize: 265 });
    const ids = bpe.encode(text);
    const first = [...bpe.decode(ids.slice(0, 1))].length;
    expect(first).toBeGreaterThan(1); // the first token covers several characters, none of them counted
    expect(charsCovered(bpe, ids)).toBe([...text].length - first);
  });
});

describe('measureText', () => {
  it('gives the loss of every token once and bits per character, as a direct computation does', async () => {
    const text = 'hello there, héllo world!';
    const tokenizer = CharTokenizer.fromText(text);
    const ids = tokenizer.encode(text);
    const model = new GPT(
      { vocabSize: tokenizer.vocabSize, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0, bias: true },
      { seed: 3 },
    );
    try {
      const measured = await measureText(model, tokenizer, ids, 2);
      // Directly: windows of 8 targets from the start (the last one shorter), each predicted within its window.
      let nats = 0;
      for (let start = 0; start + 1 < ids.length; start += 8) {
        const len = Math.min(8, ids.length - 1 - start);
        const x = tf.tensor2d([ids.slice(start, start + len)], [1, len], 'int32');
        const y = tf.tensor2d([ids.slice(start + 1, start + 1 + len)], [1, len], 'int32');
        const loss = model.loss(x, y);
        nats += (await loss.data())[0]! * len;
        tf.dispose([x, y, loss]);
      }
      const chars = [...text].length - 1;
      expect(measured.tokens).toBe(ids.length - 1);
      expect(measured.chars).toBe(chars);
      expect(charsCovered(tokenizer, ids)).toBe(chars);
      expect(measured.valLoss).toBeCloseTo(nats / (ids.length - 1), 5);
      expect(measured.bitsPerChar).toBeCloseTo(nats / Math.LN2 / chars, 5);
      expect(measured.seconds).toBeGreaterThanOrEqual(0);
    } finally {
      model.dispose();
    }
  });
});
