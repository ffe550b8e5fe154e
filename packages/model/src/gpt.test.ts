import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { geluTanh } from '@scratchgpt/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { presets, resolveConfig, type GPTConfig } from './config';
import { GPT } from './gpt';

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

const tiny: GPTConfig = { vocabSize: 11, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0, bias: true };
const ids = (rows: number[][]) => tf.tensor2d(rows, [rows.length, rows[0]!.length], 'int32');

describe('GPTConfig', () => {
  it('says which values break a rule', () => {
    expect(() => new GPT({ ...tiny, nEmbd: 15, nHead: 2 })).toThrow(
      'GPTConfig: nEmbd (15) must be divisible by nHead (2); try nEmbd = 16.',
    );
    expect(() => new GPT({ ...tiny, vocabSize: 0 })).toThrow('vocabSize must be a positive integer, got 0');
    expect(() => new GPT({ ...tiny, dropout: 1 })).toThrow('dropout must be in [0, 1), got 1');
    expect(() => new GPT({ ...tiny, attention: 'flash' })).toThrow('Unknown attention kind "flash"');
    expect(() => new GPT({ ...tiny, attention: 'single' })).toThrow(
      'attention "single" is one head of size nEmbd, so nHead must be 1 (got 2)',
    );
    expect(() => new GPT({ ...tiny, activation: 'tanh' as 'relu' })).toThrow('activation must be one of "gelu", "gelu_tanh", "relu"');
  });

  it('fills defaults for optional fields left out or passed as undefined', () => {
    const c = new GPT({ ...tiny, attention: undefined, tieWeights: undefined, qkvBias: undefined, activation: undefined }).config;
    expect([c.attention, c.tieWeights, c.qkvBias, c.activation]).toEqual(['fused', true, true, 'gelu']);
  });

  it("counts the lecture's 10,788,929 parameters and nanoGPT's 10.65M for shakespeare-char", () => {
    const lecture = new GPT(presets.ngVideoLecture);
    expect(lecture.numParams()).toBe(10788929);
    lecture.dispose();
    const nano = new GPT(presets.shakespeareChar);
    expect(nano.numParams() - 256 * 384).toBe(10646784); // nanoGPT prints non-embedding params: "10.65M"
    nano.dispose();
    const cpu = new GPT(presets.shakespeareCharCpu);
    expect(cpu.numParams()).toBe(4 * (3 * 128 * 128 + 128 * 128 + 8 * 128 * 128 + 2 * 128) + 65 * 128 + 64 * 128 + 128);
    cpu.dispose();
  });
});

describe('GPT', () => {
  it('gives logits (B, T, V) for T < blockSize, and loss ≈ ln V at init', () => {
    const model = new GPT({ ...tiny, vocabSize: 65 });
    expect(model.forward(ids([[1, 2, 3]])).shape).toEqual([1, 3, 65]);
    const loss = model
      .loss(
        ids([
          [1, 2, 3, 4],
          [5, 6, 7, 8],
        ]),
        ids([
          [2, 3, 4, 5],
          [6, 7, 8, 9],
        ]),
      )
      .dataSync()[0]!;
    expect(Math.abs(loss - Math.log(65))).toBeLessThan(0.05);
  });

  it('computes the loss as mean -log p(target), checked against a softmax by hand', () => {
    const model = new GPT(tiny, { seed: 8 });
    const [x, y] = [ids([[1, 2, 3]]), ids([[4, 0, 10]])];
    const logits = model.forward(x).arraySync()[0]!;
    const targets = [4, 0, 10];
    const expected =
      logits.map((row, t) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - row[targets[t]!]!).reduce((a, b) => a + b, 0) / 3;
    expect(model.loss(x, y).dataSync()[0]).toBeCloseTo(expected, 5);
    expect(() => model.loss(x, ids([[1, 2]]))).toThrow('targets [1,2] must have the shape of idx [1,3]');
  });

  it("uses the lecture's ReLU MLP in the ngVideoLecture preset", () => {
    const model = new GPT({ ...tiny, activation: 'relu' });
    const mlp = model.transformer.h[0]!.mlp;
    const x = tf.randomNormal([1, 3, 16], 0, 1, 'float32', 1);
    const expected = mlp.c_proj.forward(tf.relu(mlp.c_fc.forward(x)));
    expect(tf.max(tf.abs(tf.sub(mlp.forward(x, false), expected))).dataSync()[0]).toBeLessThan(1e-6);
    expect(resolveConfig(presets.ngVideoLecture).activation).toBe('relu');
  });

  it("uses GPT-2's tanh GELU in the gpt2 preset", () => {
    const model = new GPT({ ...tiny, activation: 'gelu_tanh' });
    const mlp = model.transformer.h[0]!.mlp;
    const x = tf.randomNormal([1, 3, 16], 0, 1, 'float32', 1);
    const expected = mlp.c_proj.forward(geluTanh(mlp.c_fc.forward(x)));
    expect(tf.max(tf.abs(tf.sub(mlp.forward(x, false), expected))).dataSync()[0]).toBeLessThan(1e-6);
    expect(resolveConfig(presets.gpt2).activation).toBe('gelu_tanh');
    expect(resolveConfig(presets.shakespeareChar).activation).toBe('gelu'); // nanoGPT's models keep the exact form
  });

  it('refuses more positions than blockSize, saying how to crop', () => {
    const model = new GPT(tiny);
    expect(() => model.forward(ids([[1, 2, 3, 4, 5, 6, 7, 8, 9]]))).toThrow(
      '9 positions exceed blockSize 8; crop the context to the last 8 tokens',
    );
  });

  it('is the same model for the same seed, another for another seed', () => {
    const [a, b, c] = [new GPT(tiny, { seed: 1 }), new GPT(tiny, { seed: 1 }), new GPT(tiny, { seed: 2 })];
    const x = ids([[1, 2, 3]]);
    expect(a.forward(x).arraySync()).toEqual(b.forward(x).arraySync());
    expect(a.forward(x).arraySync()).not.toEqual(c.forward(x).arraySync());
  });

  it('uses the scaled GPT-2 init on residual projections', () => {
    const model = new GPT({ ...tiny, nLayer: 8, nEmbd: 64, nHead: 4 });
    const std = (name: string) =>
      tf.tidy(() => tf.sqrt(tf.moments(model.namedParameters().find(([n]) => n === name)![1]).variance).dataSync()[0]!);
    expect(std('transformer.h.0.mlp.c_fc.weight')).toBeCloseTo(0.02, 3);
    expect(std('transformer.h.0.mlp.c_proj.weight')).toBeCloseTo(0.02 / Math.sqrt(16), 3);
    expect(std('transformer.h.0.attn.c_proj.weight')).toBeCloseTo(0.02 / Math.sqrt(16), 3);
  });

  it('matches finite differences of the loss (float32, eps 1e-2)', () => {
    const model = new GPT({ ...tiny, nLayer: 1 }, { seed: 3 });
    const [x, y] = [ids([[1, 2, 3, 4, 5]]), ids([[2, 3, 4, 5, 6]])];
    const params = Object.fromEntries(model.namedParameters());
    const { grads } = tf.variableGrads(() => model.loss(x, y));
    const eps = 1e-2;
    let checked = 0;
    for (const name of [
      'transformer.wte.weight',
      'transformer.wpe.weight',
      'transformer.h.0.attn.c_attn.weight',
      'transformer.h.0.mlp.c_fc.bias',
      'transformer.h.0.ln_1.weight',
    ]) {
      const p = params[name]!;
      const analytic = grads[p.name]!.dataSync();
      const values = p.dataSync().slice();
      // The entries with the largest gradients, where the check means something.
      const top = Array.from(analytic.keys())
        .sort((i, j) => Math.abs(analytic[j]!) - Math.abs(analytic[i]!))
        .slice(0, 3);
      for (const i of top) {
        const at = (delta: number) => {
          const v = values.slice();
          v[i]! += delta;
          p.assign(tf.tensor(v, p.shape));
          return model.loss(x, y).dataSync()[0]!;
        };
        const numeric = (at(eps) - at(-eps)) / (2 * eps);
        p.assign(tf.tensor(values, p.shape));
        expect(Math.abs(numeric - analytic[i]!)).toBeLessThan(2e-3 + 0.05 * Math.abs(analytic[i]!));
        checked++;
      }
    }
    expect(checked).toBe(15);
  });

  it('overfits a short text to loss < 0.1', () => {
    const text = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 3, 5, 7, 9, 1, 0];
    const model = new GPT({ ...tiny, nLayer: 1, nEmbd: 32 }, { seed: 4 });
    const x = ids([text.slice(0, 8), text.slice(8, 16)]);
    const y = ids([text.slice(1, 9), text.slice(9, 17)]);
    const optimizer = tf.train.adam(1e-2);
    let loss = Infinity;
    for (let step = 0; step < 150 && loss >= 0.1; step++) {
      const l = optimizer.minimize(() => model.loss(x, y), true)!;
      loss = l.dataSync()[0]!;
      l.dispose();
    }
    expect(loss).toBeLessThan(0.1);
  });

  it('leaks no tensors: the same count after 1 and after 50 training steps', () => {
    const model = new GPT({ ...tiny, dropout: 0.1 });
    const [x, y] = [ids([[1, 2, 3, 4]]), ids([[2, 3, 4, 5]])];
    const optimizer = tf.train.adam(1e-3);
    const step = () => tf.dispose(optimizer.minimize(() => model.loss(x, y, { training: true }), true) ?? []);
    step();
    const after1 = tf.memory().numTensors;
    for (let i = 0; i < 49; i++) step();
    expect(tf.memory().numTensors).toBe(after1);
  });
});

describe('GPT.generate', () => {
  it.each(['single', 'wrapper', 'fused'])('%s: greedy with the KV cache equals greedy without, past blockSize too', async (attention) => {
    const model = new GPT({ ...tiny, attention, nHead: attention === 'single' ? 1 : 2 }, { seed: 5 });
    const withCache = await model.generate([1, 2], { maxNewTokens: 12, temperature: 0 });
    const without = await model.generate([1, 2], { maxNewTokens: 12, temperature: 0, useCache: false });
    expect(withCache).toHaveLength(14);
    expect(withCache).toEqual(without);
  });

  it('samples reproducibly for a seed; top-k 1 is greedy; tokens stream to onToken', async () => {
    const model = new GPT(tiny, { seed: 6 });
    const a = await model.generate([1], { maxNewTokens: 10, seed: 7 });
    expect(await model.generate([1], { maxNewTokens: 10, seed: 7 })).toEqual(a);
    expect(await model.generate([1], { maxNewTokens: 10, seed: 8 })).not.toEqual(a);
    const streamed: number[] = [];
    const greedy = await model.generate([1], { maxNewTokens: 10, temperature: 0, onToken: (t) => streamed.push(t) });
    expect(await model.generate([1], { maxNewTokens: 10, topK: 1, seed: 9 })).toEqual(greedy);
    expect(streamed).toEqual(greedy.slice(1));
  });

  it('stops when aborted and frees its caches', async () => {
    const model = new GPT(tiny);
    const controller = new AbortController();
    const before = tf.memory().numTensors;
    const out = await model.generate([1], { maxNewTokens: 50, onToken: (t) => t >= 0 && controller.abort(), signal: controller.signal });
    expect(out).toHaveLength(2);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('awaits an async onToken before the next token', async () => {
    const model = new GPT(tiny);
    const events: string[] = [];
    await model.generate([1], {
      maxNewTokens: 3,
      temperature: 0,
      onToken: async () => {
        events.push('start');
        await new Promise((resolve) => setTimeout(resolve, 1));
        events.push('end');
      },
    });
    expect(events).toEqual(['start', 'end', 'start', 'end', 'start', 'end']);
  });

  it("shows one layer's attention weights for a text: [head][query][key], causal, rows summing to 1", async () => {
    const model = new GPT(tiny, { seed: 2 });
    const before = tf.memory().numTensors;
    const w = await model.attentionWeights([1, 2, 3, 4], 1);
    expect(tf.memory().numTensors).toBe(before);
    expect([w.length, w[0]!.length, w[0]![0]!.length]).toEqual([tiny.nHead, 4, 4]);
    for (const head of w)
      head.forEach((row, q) => {
        expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
        expect(Math.max(0, ...row.slice(q + 1))).toBeLessThan(1e-6);
      });
    expect(w).not.toEqual(await model.attentionWeights([1, 2, 3, 4], 0));
    await expect(model.attentionWeights([1], tiny.nLayer)).rejects.toThrow(`layer must be in [0, ${tiny.nLayer})`);
  });

  it('explains bad arguments', async () => {
    const model = new GPT(tiny);
    await expect(model.generate([], { maxNewTokens: 1 })).rejects.toThrow('the prompt needs at least one token');
    await expect(model.generate([11], { maxNewTokens: 1 })).rejects.toThrow('prompt token 11 is outside the vocabulary [0, 11)');
    await expect(model.generate([1], { maxNewTokens: 1, topP: 0 })).rejects.toThrow('topP must be in (0, 1]');
    await expect(model.generate([1], { maxNewTokens: 1, temperature: -1 })).rejects.toThrow('temperature must be a finite number ≥ 0');
  });
});

describe('GPT parameter budget', () => {
  it('refuses a config over MAX_PARAMETERS before allocating anything, and builds it when the budget is raised', () => {
    const tensors = tf.memory().numTensors;
    // 64 layers, 16384 wide: 206 billion parameters, 824 GB of float32.
    expect(() => new GPT({ vocabSize: 65, blockSize: 64, nLayer: 64, nHead: 64, nEmbd: 16384, dropout: 0, bias: false })).toThrow(
      /GPTConfig: a model of 64 layers, 16384 wide and 65 ids has 206,\d{3},\d{3},\d{3} parameters, more than the budget of 500,000,000 .* nothing was built/,
    );
    expect(tf.memory().numTensors).toBe(tensors);
    const small = { vocabSize: 65, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0, bias: false };
    expect(() => new GPT(small, { maxParameters: 1000 })).toThrow('more than the budget of 1,000');
    const model = new GPT(small, { maxParameters: 10_000 });
    expect(model.numParams()).toBeLessThanOrEqual(10_000);
    model.dispose();
  });
});
