import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { GPTConfig } from './config';
import { GPT } from './gpt';
import { parseSafetensors, serializeSafetensors } from './safetensors';
import { loadStateDict, toStateDict } from './state-dict';

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

const tiny: GPTConfig = { vocabSize: 11, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0, bias: true };
const x = () => tf.tensor2d([[1, 2, 3, 4, 5]], [1, 5], 'int32');
const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;

/** Runs `f`, which must throw: its message, and how many tensors were made meanwhile (0: nothing was built). */
function refused(f: () => unknown): { message: string; tensors: number } {
  const spy = vi.spyOn(tf.engine() as unknown as { trackTensor: (...args: unknown[]) => void }, 'trackTensor');
  try {
    f();
  } catch (error) {
    return { message: (error as Error).message, tensors: spy.mock.calls.length };
  } finally {
    spy.mockRestore();
  }
  throw new Error('expected an error, got none');
}

describe('safetensors weights in nanoGPT layout', () => {
  it("writes nanoGPT's names and PyTorch shapes", async () => {
    const file = parseSafetensors(await new GPT(tiny).toSafetensors());
    const shapes = Object.fromEntries([...file.tensors].map(([n, t]) => [n, t.shape]));
    expect(shapes).toMatchObject({
      'transformer.wte.weight': [11, 16],
      'transformer.wpe.weight': [8, 16],
      'transformer.h.0.ln_1.weight': [16],
      'transformer.h.0.attn.c_attn.weight': [48, 16],
      'transformer.h.0.attn.c_attn.bias': [48],
      'transformer.h.0.attn.c_proj.weight': [16, 16],
      'transformer.h.1.mlp.c_fc.weight': [64, 16],
      'transformer.h.1.mlp.c_proj.weight': [16, 64],
      'transformer.ln_f.bias': [16],
      'lm_head.weight': [11, 16],
    });
    expect(file.tensors.size).toBe(4 + 2 * 12 + 1); // wte, wpe, ln_f ×2, lm_head; 12 per block
    expect(file.metadata.format).toBe('pt');
  });

  it.each(['fused', 'wrapper', 'single'])('%s: round-trips to the same logits', async (attention) => {
    const config = { ...tiny, attention, nHead: attention === 'single' ? 1 : 2 };
    const a = new GPT(config, { seed: 1 });
    const b = GPT.fromSafetensors(await a.toSafetensors(), config, { seed: 2 });
    expect(maxDiff(a.forward(x()), b.forward(x()))).toBe(0);
  });

  it('moves weights between attention kinds: wrapper → fused gives the same logits', async () => {
    const wrapper = new GPT({ ...tiny, attention: 'wrapper' }, { seed: 3 });
    const fused = GPT.fromSafetensors(await wrapper.toSafetensors(), { ...tiny, attention: 'fused' });
    expect(maxDiff(wrapper.forward(x()), fused.forward(x()))).toBeLessThan(1e-5);
    const one = { ...tiny, nHead: 1 };
    const single = new GPT({ ...one, attention: 'single' }, { seed: 4 });
    const asFused = GPT.fromSafetensors(await single.toSafetensors(), one);
    expect(maxDiff(single.forward(x()), asFused.forward(x()))).toBeLessThan(1e-5);
    // bias false, qkvBias true: c_proj has no bias, c_attn has one.
    const mixed = { ...one, bias: false, qkvBias: true };
    const singleBytes = await new GPT({ ...mixed, attention: 'single' }).toSafetensors();
    expect(() => GPT.fromSafetensors(singleBytes, mixed)).not.toThrow();
  });

  it('refuses a fused model with a real output projection in a single-head model', async () => {
    const fusedBytes = await new GPT(tiny).toSafetensors();
    expect(() => GPT.fromSafetensors(fusedBytes, { ...tiny, nHead: 1, attention: 'single' })).toThrow(
      'layer 0\'s c_proj is not the identity, so a single head cannot hold it; load these weights with attention "fused"',
    );
  });

  it("reads GPT-2's layout: Conv1D weights [in, out], no transformer. prefix, no lm_head, attn.bias buffers", async () => {
    const model = new GPT(tiny, { seed: 4 });
    const conv1d: Array<[string, { shape: number[]; data: Float32Array }]> = [];
    for (const [name, t] of parseSafetensors(await model.toSafetensors()).tensors) {
      if (name === 'lm_head.weight') continue;
      const short = name.replace(/^transformer\./, '');
      const isConv = /\.(c_attn|c_proj|c_fc)\.weight$/.test(name);
      const data = isConv ? tf.tidy(() => tf.transpose(tf.tensor(t.data, t.shape)).dataSync() as Float32Array) : t.data;
      conv1d.push([short, { shape: isConv ? [...t.shape].reverse() : t.shape, data }]);
      if (short.endsWith('attn.c_attn.weight'))
        conv1d.push([short.replace('c_attn.weight', 'bias'), { shape: [1, 1, 8, 8], data: new Float32Array(64) }]);
    }
    const loaded = GPT.fromSafetensors(serializeSafetensors(conv1d), tiny);
    expect(maxDiff(model.forward(x()), loaded.forward(x()))).toBe(0);
  });

  it('names the tensor and both shapes when the file does not fit the config', async () => {
    const bytes = await new GPT(tiny).toSafetensors();
    expect(() => GPT.fromSafetensors(bytes, { ...tiny, vocabSize: 12 })).toThrow(
      'tensor "transformer.wte.weight" has shape [11,16], but this config needs [12,16]',
    );
    expect(() => GPT.fromSafetensors(bytes, { ...tiny, nLayer: 3 })).toThrow('the weights have no tensor "transformer.h.2.ln_1.weight"');
    expect(() => GPT.fromSafetensors(bytes, { ...tiny, bias: false })).toThrow(
      'the weights have a tensor "transformer.h.0.ln_1.bias" that this config does not use; check the config (bias, tieWeights, nLayer)',
    );
  });

  it('checks the file against the config before building anything: every tensor, its shape, no extra ones', async () => {
    const bytes = await new GPT(tiny).toSafetensors();
    // One layer more than the file holds: under twice the file's weights, so a count could not tell.
    expect(refused(() => GPT.fromSafetensors(bytes, { ...tiny, nLayer: 3 }))).toEqual({
      message: expect.stringContaining('the weights have no tensor "transformer.h.2.ln_1.weight"'),
      tensors: 0,
    });
    // The edit: a config of 64 layers, 16384 wide beside a small file.
    expect(refused(() => GPT.fromSafetensors(bytes, { ...tiny, nEmbd: 16384, nLayer: 64 }))).toEqual({
      message: expect.stringContaining('tensor "transformer.wte.weight" has shape [11,16], but this config needs [11,16384]'),
      tensors: 0,
    });
    expect(refused(() => GPT.fromSafetensors(bytes, { ...tiny, bias: false }))).toEqual({
      message: expect.stringContaining('the weights have a tensor "transformer.h.0.ln_1.bias" that this config does not use'),
      tensors: 0,
    });
  });

  it('refuses a model over the parameter budget before building it', async () => {
    const model = new GPT(tiny);
    const bytes = await model.toSafetensors();
    expect(refused(() => GPT.fromSafetensors(bytes, tiny, { maxParameters: 1000 }))).toEqual({
      message: expect.stringContaining(
        `the weights file has ${model.numParams().toLocaleString('en-US')} parameters, more than the budget of 1,000 (maxParameters`,
      ),
      tensors: 0,
    });
    GPT.fromSafetensors(bytes, tiny, { maxParameters: model.numParams() }).dispose();
  });

  it('refuses NaN and infinite weights, naming the tensor and the count, before building anything', async () => {
    const model = new GPT(tiny);
    const tensors = parseSafetensors(await model.toSafetensors()).tensors;
    const fc = tensors.get('transformer.h.1.mlp.c_fc.weight')!.data;
    fc.set([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY], 5);
    const bytes = serializeSafetensors(tensors);
    expect(refused(() => GPT.fromSafetensors(bytes, tiny))).toEqual({
      message: expect.stringContaining(
        'the weights file has non-finite weights: tensor "transformer.h.1.mlp.c_fc.weight" has 3 NaN or infinite values of 1,024',
      ),
      tensors: 0,
    });
    expect(() => loadStateDict(model, tensors)).toThrow('tensor "transformer.h.1.mlp.c_fc.weight" has 3 NaN or infinite values');
  });

  it('reads a tied head from either name, and refuses an untied checkpoint in a tied model', async () => {
    const model = new GPT(tiny, { seed: 5 });
    const tensors = [...parseSafetensors(await model.toSafetensors()).tensors];
    const headOnly = tensors.filter(([n]) => n !== 'transformer.wte.weight'); // what safetensors' save_model keeps
    expect(maxDiff(model.forward(x()), GPT.fromSafetensors(serializeSafetensors(headOnly), tiny).forward(x()))).toBe(0);
    const untied = tensors.map(([n, t]): [string, typeof t] =>
      n === 'lm_head.weight' ? [n, { ...t, data: t.data.map((v) => v + 1) }] : [n, t],
    );
    expect(() => GPT.fromSafetensors(serializeSafetensors(untied), tiny)).toThrow('lm_head.weight differs from transformer.wte.weight');
    const withHeadBias = [...untied, ['lm_head.bias', { shape: [11], data: new Float32Array(11) }] as (typeof untied)[number]]; // untied + bias: the lecture's head
    expect(() => GPT.fromSafetensors(serializeSafetensors(untied), { ...tiny, tieWeights: false })).toThrow('no tensor "lm_head.bias"');
    const loaded = GPT.fromSafetensors(serializeSafetensors(withHeadBias), { ...tiny, tieWeights: false });
    expect(maxDiff(loaded.lm_head!.weight, tf.add(tf.transpose(model.transformer.wte.weight), 1))).toBeLessThan(1e-6);
  });

  it('reads torch.compile checkpoints (names prefixed with _orig_mod.)', async () => {
    const model = new GPT(tiny, { seed: 6 });
    const prefixed = [...parseSafetensors(await model.toSafetensors()).tensors].map(([n, t]): [string, typeof t] => [`_orig_mod.${n}`, t]);
    expect(maxDiff(model.forward(x()), GPT.fromSafetensors(serializeSafetensors(prefixed), tiny).forward(x()))).toBe(0);
  });

  it('gives copies, not views of the model', async () => {
    const model = new GPT(tiny);
    const sd = await toStateDict(model);
    sd.get('transformer.wte.weight')!.data[0] = 123;
    expect(model.transformer.wte.weight.dataSync()[0]).not.toBe(123);
  });

  it('leaks no tensors saving and loading', async () => {
    const model = new GPT(tiny);
    const before = tf.memory().numTensors;
    const bytes = await model.toSafetensors();
    const loaded = GPT.fromSafetensors(bytes, tiny);
    const params = loaded.parameters().length;
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(params).toBe(model.parameters().length);
  });
});
