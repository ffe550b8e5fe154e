import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { randn } from '@scratchgpt/nn';
import { SeededRandom } from '@scratchgpt/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { MultiHeadAttention } from './fused';
import { KVCache } from './kv-cache';
import { attentionKinds, attentionModules, createAttention, registerAttention } from './registry';
import { SingleHeadAttention } from './single';
import type { Attention, AttentionConfig } from './types';
import { MultiHeadAttentionWrapper } from './wrapper';

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

const config: AttentionConfig = { nEmbd: 12, nHead: 3, blockSize: 8, dropout: 0, bias: true, rng: new SeededRandom(1) };
const input = (B: number, T: number, C = config.nEmbd, seed = 2) => tf.tensor3d(randn(new SeededRandom(seed), B * T * C), [B, T, C]);
const slice = (w: tf.Tensor, from: number, size: number) =>
  w.rank === 1 ? tf.slice(w, [from], [size]) : tf.slice(w, [0, from], [-1, size]);

/** Copies a fused module's weights into a wrapper: head i's query is c_attn's columns [i·hs, (i+1)·hs), etc. */
function copyFusedIntoWrapper(fused: MultiHeadAttention, wrapper: MultiHeadAttentionWrapper): void {
  const C = fused.nEmbd;
  const hs = C / fused.nHead;
  wrapper.heads.forEach((head, i) => {
    [head.query, head.key, head.value].forEach((lin, part) => {
      lin.weight.assign(slice(fused.c_attn.weight, part * C + i * hs, hs));
      lin.bias!.assign(slice(fused.c_attn.bias!, part * C + i * hs, hs));
    });
  });
  wrapper.c_proj.weight.assign(fused.c_proj.weight);
  wrapper.c_proj.bias!.assign(fused.c_proj.bias!);
}

/** Attention written out with loops over plain arrays: the definition, for checking the modules. */
function naiveFused(x: number[][][], fused: MultiHeadAttention): number[][][] {
  const Wa = fused.c_attn.weight.arraySync() as number[][];
  const ba = fused.c_attn.bias!.arraySync() as number[];
  const Wp = fused.c_proj.weight.arraySync() as number[][];
  const bp = fused.c_proj.bias!.arraySync() as number[];
  const C = fused.nEmbd;
  const hs = C / fused.nHead;
  const lin = (v: number[], W: number[][], b: number[]) => b.map((bj, j) => bj + v.reduce((s, vi, i) => s + vi * W[i]![j]!, 0));
  return x.map((seq) => {
    const qkv = seq.map((tok) => lin(tok, Wa, ba));
    const merged = seq.map((_, t) => {
      const out: number[] = [];
      for (let h = 0; h < fused.nHead; h++) {
        const q = qkv[t]!.slice(h * hs, (h + 1) * hs);
        const scores = qkv
          .slice(0, t + 1)
          .map((row) => row.slice(C + h * hs, C + (h + 1) * hs).reduce((s, kj, j) => s + kj * q[j]!, 0) / Math.sqrt(hs));
        const max = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - max));
        const sum = e.reduce((a, b) => a + b, 0);
        for (let j = 0; j < hs; j++) out.push(e.reduce((s, w, u) => s + (w / sum) * qkv[u]![2 * C + h * hs + j]!, 0));
      }
      return out;
    });
    return merged.map((m) => lin(m, Wp, bp));
  });
}

describe('attention variants', () => {
  it('fused equals attention written out with loops, for T < blockSize', () => {
    const fused = new MultiHeadAttention(config);
    const x = input(2, 5);
    const y = fused.forward(x);
    expect(y.shape).toEqual([2, 5, 12]);
    const expected = naiveFused(x.arraySync() as number[][][], fused);
    expect(Math.max(...(tf.abs(tf.sub(y, tf.tensor3d(expected))).dataSync() as Float32Array))).toBeLessThan(1e-5);
  });

  it('wrapper and fused with the same weights give equal outputs and gradients (1e-5)', () => {
    const fused = new MultiHeadAttention(config);
    const wrapper = new MultiHeadAttentionWrapper({ ...config, rng: new SeededRandom(9) });
    copyFusedIntoWrapper(fused, wrapper);
    const x = input(2, 6);
    const loss = (m: Attention) => (xx: tf.Tensor) => tf.sum(tf.square(m.forward(xx)));
    expect(tf.max(tf.abs(tf.sub(fused.forward(x), wrapper.forward(x)))).dataSync()[0]).toBeLessThan(1e-5);
    // Gradients with respect to the input, and to the output projection they share.
    const [gxF, gxW] = [tf.grad(loss(fused))(x), tf.grad(loss(wrapper))(x)];
    expect(tf.max(tf.abs(tf.sub(gxF, gxW))).dataSync()[0]).toBeLessThan(1e-5);
    const gF = tf.variableGrads(() => loss(fused)(x) as tf.Scalar, [fused.c_proj.weight, fused.c_attn.weight]).grads;
    const gW = tf.variableGrads(() => loss(wrapper)(x) as tf.Scalar, [wrapper.c_proj.weight, wrapper.heads[1]!.key.weight]).grads;
    expect(tf.max(tf.abs(tf.sub(gF[fused.c_proj.weight.name]!, gW[wrapper.c_proj.weight.name]!))).dataSync()[0]).toBeLessThan(1e-5);
    const hs = 4;
    const keyOfHead1 = slice(gF[fused.c_attn.weight.name]!, 12 + hs, hs);
    expect(tf.max(tf.abs(tf.sub(keyOfHead1, gW[wrapper.heads[1]!.key.weight.name]!))).dataSync()[0]).toBeLessThan(1e-5);
  });

  it('single (one head of size C) equals fused with nHead = 1 and an identity output projection', () => {
    const one = { ...config, nHead: 1 };
    const fused = new MultiHeadAttention(one);
    const single = new SingleHeadAttention({ ...one, rng: new SeededRandom(5) });
    const C = config.nEmbd;
    [single.head.query, single.head.key, single.head.value].forEach((lin, part) => {
      lin.weight.assign(slice(fused.c_attn.weight, part * C, C));
      lin.bias!.assign(slice(fused.c_attn.bias!, part * C, C));
    });
    fused.c_proj.weight.assign(tf.eye(C));
    fused.c_proj.bias!.assign(tf.zeros([C]));
    const x = input(2, 7);
    expect(tf.max(tf.abs(tf.sub(fused.forward(x), single.forward(x)))).dataSync()[0]).toBeLessThan(1e-5);
  });

  it.each(['single', 'wrapper', 'fused'])('%s is causal: changing tokens after t never changes outputs up to t', (kind) => {
    const attn = createAttention(kind, config);
    const x = input(1, 8);
    const y = attn.forward(x).arraySync() as number[][][];
    for (const t of [0, 3, 6]) {
      const changed = tf.concat([tf.slice(x, [0, 0, 0], [1, t + 1, -1]), input(1, 7 - t, 12, 100 + t)], 1);
      const y2 = attn.forward(changed).arraySync() as number[][][];
      for (let u = 0; u <= t; u++) for (let c = 0; c < 12; c++) expect(y2[0]![u]![c]).toBeCloseTo(y[0]![u]![c]!, 5);
      expect(y2[0]![t + 1]).not.toEqual(y[0]![t + 1]);
    }
  });

  it.each(['single', 'wrapper', 'fused'])('%s: dropout acts in training only', (kind) => {
    const attn = createAttention(kind, { ...config, dropout: 0.5 });
    const x = input(1, 6);
    attn.train(false);
    expect(attn.forward(x).arraySync()).toEqual(attn.forward(x).arraySync());
    attn.train(true);
    expect(attn.forward(x).arraySync()).not.toEqual(attn.forward(x).arraySync());
    expect(attn.forward(x, { training: false }).arraySync()).toEqual(attn.forward(x, { training: false }).arraySync());
  });

  it.each(['single', 'wrapper', 'fused'])('%s with a KV cache, fed a prefix then one token at a time, equals the full pass', (kind) => {
    const attn = createAttention(kind, config);
    const x = input(2, 7);
    const full = attn.forward(x);
    const cache = new KVCache();
    const parts = [attn.forward(tf.slice(x, [0, 0, 0], [-1, 3, -1]), { cache })];
    for (let t = 3; t < 7; t++) parts.push(attn.forward(tf.slice(x, [0, t, 0], [-1, 1, -1]), { cache }));
    expect(cache.length).toBe(7);
    expect(tf.max(tf.abs(tf.sub(full, tf.concat(parts, 1)))).dataSync()[0]).toBeLessThan(1e-5);
    const before = tf.memory().numTensors;
    cache.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);
  });

  it('shows its attention weights (B, nh, T, Tk): causal rows that sum to 1, the same for wrapper and fused', () => {
    const fused = new MultiHeadAttention(config);
    const wrapper = new MultiHeadAttentionWrapper(config);
    copyFusedIntoWrapper(fused, wrapper);
    const single = new SingleHeadAttention({ ...config, nHead: 1 });
    const x = input(2, 5);
    const before = tf.memory().numTensors;
    const seen = (attn: Attention) => {
      let w: number[][][][] = [];
      tf.dispose(attn.forward(x, { onWeights: (t) => (w = t.arraySync() as number[][][][]) }));
      return w;
    };
    const [f, w, s] = [seen(fused), seen(wrapper), seen(single)];
    expect(tf.memory().numTensors).toBe(before); // nothing kept behind
    expect([f.length, f[0]!.length, f[0]![0]!.length, f[0]![0]![0]!.length]).toEqual([2, 3, 5, 5]);
    expect([s.length, s[0]!.length]).toEqual([2, 1]);
    for (const rows of [...f.flat(), ...s.flat()]) {
      rows.forEach((row, q) => {
        expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
        expect(Math.max(...row.slice(q + 1))).toBeLessThan(1e-6); // nothing after the query
      });
    }
    const diff = Math.max(...f.flat(3).map((v, i) => Math.abs(v - w.flat(3)[i]!)));
    expect(diff).toBeLessThan(1e-5);
    for (const m of [fused, wrapper, single]) m.dispose();
    x.dispose();
  });

  it('leaks no tensors in forward and backward', () => {
    for (const kind of ['single', 'wrapper', 'fused']) {
      const attn = createAttention(kind, config);
      const x = input(2, 5);
      const before = tf.memory().numTensors;
      tf.dispose(tf.tidy(() => tf.grads((xx: tf.Tensor) => tf.sum(attn.forward(xx)))([x]))); // tidy keeps what it returns
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('names parameters stably', () => {
    expect(
      createAttention('fused', config)
        .namedParameters()
        .map(([n]) => n),
    ).toEqual(['c_attn.weight', 'c_attn.bias', 'c_proj.weight', 'c_proj.bias']);
    expect(
      createAttention('wrapper', config)
        .namedParameters()
        .map(([n]) => n)
        .slice(0, 3),
    ).toEqual(['heads.0.key.weight', 'heads.0.key.bias', 'heads.0.query.weight']);
    expect(
      createAttention('single', { ...config, bias: false })
        .namedParameters()
        .map(([n]) => n),
    ).toEqual(['head.key.weight', 'head.query.weight', 'head.value.weight']);
    // The lecture's layout: no bias on queries, keys and values; one on the output projection.
    expect(
      createAttention('wrapper', { ...config, qkvBias: false })
        .namedParameters()
        .map(([n]) => n)
        .filter((n) => n.endsWith('bias')),
    ).toEqual(['c_proj.bias']);
  });
});

describe('attention registry', () => {
  it('lets users register their own kind', () => {
    registerAttention('fused-twice', (c) => new MultiHeadAttention(c));
    expect(attentionKinds()).toContain('fused-twice');
    expect(createAttention('fused-twice', config).forward(input(1, 2)).shape).toEqual([1, 2, 12]);
  });

  it('knows which module a worker thread must import to build a kind', () => {
    expect(attentionModules('fused')).toEqual([]);
    registerAttention('fused-here', (c) => new MultiHeadAttention(c));
    expect(() => attentionModules('fused-here')).toThrow(
      'attention kind "fused-here" was registered without the module that registers it, so worker threads cannot build it',
    );
    registerAttention('fused-shared', (c) => new MultiHeadAttention(c), { module: 'file:///attention-kinds.js' });
    expect(attentionModules('fused-shared')).toEqual(['file:///attention-kinds.js']);
    expect(() => registerAttention('has space', (c) => new MultiHeadAttention(c))).toThrow('a kind is a name of letters, digits');
  });

  it('explains an unknown kind and a width that does not split into heads', () => {
    expect(() => createAttention('flash', config)).toThrow('Unknown attention kind "flash"; use one of single, wrapper, fused');
    expect(() => createAttention('fused', { ...config, nHead: 5 })).toThrow('nEmbd (12) must be a positive multiple of nHead (5)');
  });
});
