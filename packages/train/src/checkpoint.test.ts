import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { MultiHeadAttention, registerAttention } from '@scratchgpt/attention';
import { GPT, type GPTConfig } from '@scratchgpt/model';
import { parseSafetensors, serializeSafetensors } from '@scratchgpt/model';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { AdamW, decayedParameters } from './adamw';
import { CheckpointError, memoryCheckpoints, readCheckpoint, restoreCheckpoint, writeCheckpoint } from './checkpoint';
import { trainStep } from './train-step';

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

const config: GPTConfig = { vocabSize: 13, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0.1, bias: true };
const fresh = () => {
  const model = new GPT(config, { seed: 7 });
  return { model, opt: new AdamW(model.namedParameters(), decayedParameters(model)) };
};
const x = () => tf.tensor2d([[1, 2, 3, 4, 5, 6, 7, 8]], [1, 8], 'int32');

type Tensors = Map<string, { shape: number[]; data: Float32Array }>;

/**
 * A checkpoint edited as a stranger could: its state and tensors changed, then its sha256
 * recomputed as checkpoint.ts computes it (the state's JSON, then each tensor's name and bytes, by name).
 */
function forge(
  bytes: Uint8Array,
  edit: { state?: (state: { config: Record<string, unknown> }) => void; tensors?: (tensors: Tensors) => void },
): Uint8Array {
  const { tensors, metadata } = parseSafetensors(bytes);
  const state = JSON.parse(metadata.state!);
  edit.state?.(state);
  edit.tensors?.(tensors);
  const json = JSON.stringify(state);
  const hash = sha256.create();
  hash.update(new TextEncoder().encode(json));
  for (const name of [...tensors.keys()].sort()) {
    const { data } = tensors.get(name)!;
    hash.update(new TextEncoder().encode(name));
    hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return serializeSafetensors(tensors, { ...metadata, state: json, sha256: bytesToHex(hash.digest()) });
}

/** Runs `f`, which must throw: the error, and how many tensors were made meanwhile (0: nothing was built). */
function refused(f: () => unknown): { error: Error; tensors: number } {
  const spy = vi.spyOn(tf.engine() as unknown as { trackTensor: (...args: unknown[]) => void }, 'trackTensor');
  try {
    f();
  } catch (error) {
    return { error: error as Error, tensors: spy.mock.calls.length };
  } finally {
    spy.mockRestore();
  }
  throw new Error('expected an error, got none');
}

describe('checkpoints', () => {
  it('restore the weights, the moments, the step and the dropout stream exactly', async () => {
    const a = fresh();
    for (let i = 0; i < 3; i++) await trainStep(a.model, [{ x: x(), y: x() }], a.opt);
    const bytes = await writeCheckpoint(a.model, a.opt, { tokenizer: { type: 'test' }, extra: { mine: 1 } });
    const b = restoreCheckpoint(bytes);
    expect(b.state.step).toBe(3);
    expect(b.state.tokenizer).toEqual({ type: 'test' });
    expect(b.state.extra).toEqual({ mine: 1 });
    expect(b.state.config).toEqual(a.model.config);
    expect(await b.optimizer.getState()).toEqual(await a.opt.getState());
    // The next step (dropout on) is the same step.
    const [la, lb] = [await trainStep(a.model, [{ x: x(), y: x() }], a.opt), await trainStep(b.model, [{ x: x(), y: x() }], b.optimizer)];
    expect(lb.loss).toBe(la.loss);
    for (const [i, p] of b.model.parameters().entries())
      expect(Array.from(p.dataSync())).toEqual(Array.from(a.model.parameters()[i]!.dataSync()));
  });

  it('names damage: a flipped byte, a truncated file, another format, an older version', async () => {
    const { model, opt } = fresh();
    const bytes = await writeCheckpoint(model, opt, {});
    const flipped = bytes.slice();
    flipped[flipped.length - 5]! ^= 0xff;
    expect(() => readCheckpoint(flipped)).toThrow(CheckpointError);
    expect(() => readCheckpoint(flipped)).toThrow('the checksum does not match');
    expect(() => readCheckpoint(bytes.subarray(0, bytes.length - 100))).toThrow('not a readable checkpoint (truncated or damaged)');
    expect(() => readCheckpoint(serializeSafetensors([], { format: 'pt' }))).toThrow('format "pt" is not "scratchgpt-checkpoint/2"');
    expect(() => readCheckpoint(serializeSafetensors([], { format: 'scratchgpt-checkpoint/1' }))).toThrow(
      'it was written by an older scratchgpt (format "scratchgpt-checkpoint/1"); this version reads "scratchgpt-checkpoint/2"',
    );
  });

  it("refuses a stranger's checkpoint whose state is not scratchgpt's", async () => {
    const { model, opt } = fresh();
    // Checksum-valid files made with writeCheckpoint itself: the checksum proves a file whole, not who wrote it.
    const bogus = await writeCheckpoint(model, opt, { training: { config: {}, metrics: 'none' } as never });
    expect(() => readCheckpoint(bogus)).toThrow(
      'its state has no valid training data fingerprint; it was not written by scratchgpt (or was edited).',
    );
  });

  it('refuses a config that does not fit its tensors, before building anything', async () => {
    const { model, opt } = fresh();
    const bytes = await writeCheckpoint(model, opt, {});
    const cases: Array<[Parameters<typeof forge>[1], string]> = [
      // The edit: 64 layers, 16384 wide, sha256 recomputed.
      [
        { state: (s) => Object.assign(s.config, { nLayer: 64, nEmbd: 16384 }) },
        'tensor "model.transformer.wte.weight" has shape [13,16], but its config needs [13,16384]',
      ],
      // One layer more: under twice the weights the file holds, which a count of them let through.
      [{ state: (s) => Object.assign(s.config, { nLayer: 2 }) }, 'it has no tensor "model.transformer.h.1.ln_1.weight" (shape [16])'],
      [
        { state: (s) => Object.assign(s.config, { bias: false }) },
        'it has a tensor "model.transformer.h.0.ln_1.bias" that its config does not use',
      ],
      [
        { tensors: (t) => t.set('model.extra', { shape: [2], data: new Float32Array(2) }) },
        'it has a tensor "model.extra" that its config does not use',
      ],
      [{ tensors: (t) => t.delete('adamw.m.transformer.ln_f.bias') }, 'it has no tensor "adamw.m.transformer.ln_f.bias" (shape [16])'],
      [
        { tensors: (t) => t.set('adamw.v.transformer.wpe.weight', { shape: [16, 8], data: new Float32Array(128) }) },
        'tensor "adamw.v.transformer.wpe.weight" has shape [16,8], but its config needs [8,16]',
      ],
      [
        { state: (s) => Object.assign(s.config, { nLayer: 0 }) },
        'its config is not valid: GPTConfig: nLayer must be a positive integer, got 0',
      ],
    ];
    for (const [edit, message] of cases) {
      const { error, tensors } = refused(() => restoreCheckpoint(forge(bytes, edit)));
      expect(error).toBeInstanceOf(CheckpointError);
      expect(error.message).toContain(message);
      expect(tensors).toBe(0);
    }
  });

  it('refuses a model over the parameter budget before building it', async () => {
    const { model, opt } = fresh();
    const bytes = await writeCheckpoint(model, opt, {});
    const { error, tensors } = refused(() => restoreCheckpoint(bytes, { maxParameters: 1000 }));
    expect(error).toBeInstanceOf(CheckpointError);
    expect(error.message).toContain(
      `the checkpoint has ${model.numParams().toLocaleString('en-US')} parameters, more than the budget of 1,000 (maxParameters`,
    );
    expect(tensors).toBe(0);
    restoreCheckpoint(bytes, { maxParameters: model.numParams() }).model.dispose();
  });

  it('refuses NaN or infinite weights and moments by tensor name, before building anything', async () => {
    const { model, opt } = fresh();
    const bytes = await writeCheckpoint(model, opt, {});
    const nanWeights = forge(bytes, { tensors: (t) => t.get('model.transformer.h.0.mlp.c_fc.weight')!.data.fill(Number.NaN, 0, 2) });
    const { error, tensors } = refused(() => restoreCheckpoint(nanWeights));
    expect(error).toBeInstanceOf(CheckpointError);
    expect(error.message).toContain(
      'the checkpoint has non-finite weights: tensor "model.transformer.h.0.mlp.c_fc.weight" has 2 NaN or infinite values of 1,024',
    );
    expect(tensors).toBe(0);
    const infMoment = forge(bytes, { tensors: (t) => t.get('adamw.v.transformer.wte.weight')!.data.fill(Number.POSITIVE_INFINITY, 3, 4) });
    expect(() => restoreCheckpoint(infMoment)).toThrow('tensor "adamw.v.transformer.wte.weight" has 1 NaN or infinite values of 208');
  });

  it("restores a registered attention kind's own tensors, and refuses ones its model does not have", async () => {
    registerAttention('checkpoint-test', (c) => new MultiHeadAttention(c));
    const model = new GPT({ ...config, attention: 'checkpoint-test' }, { seed: 7 });
    const opt = new AdamW(model.namedParameters(), decayedParameters(model));
    const bytes = await writeCheckpoint(model, opt, {});
    const restored = restoreCheckpoint(bytes);
    expect(await restored.optimizer.getState()).toEqual(await opt.getState());
    restored.model.dispose();
    const parts = ['model.', 'adamw.m.', 'adamw.v.'];
    const extra = forge(bytes, {
      tensors: (t) => {
        for (const part of parts) t.set(`${part}transformer.h.0.attn.extra`, { shape: [2], data: new Float32Array(2) });
      },
    });
    expect(() => restoreCheckpoint(extra)).toThrow(
      'it has a tensor "model.transformer.h.0.attn.extra" that the model of its config does not have',
    );
    const reshaped = forge(bytes, {
      tensors: (t) => {
        for (const part of parts) t.set(`${part}transformer.h.0.attn.c_attn.weight`, { shape: [48, 16], data: new Float32Array(768) });
      },
    });
    expect(() => restoreCheckpoint(reshaped)).toThrow(
      'tensor "model.transformer.h.0.attn.c_attn.weight" has shape [48,16], but the model of its config has [16,48]',
    );
    const before = tf.memory().numTensors;
    expect(() => restoreCheckpoint(reshaped)).toThrow(CheckpointError);
    expect(tf.memory().numTensors).toBe(before); // the model it built was disposed
  });

  it('a memory store keeps the last checkpoint', async () => {
    const store = memoryCheckpoints();
    expect(await store.load()).toBeUndefined();
    await store.save(new Uint8Array([1]));
    await store.save(new Uint8Array([2]));
    expect(await store.load()).toEqual(new Uint8Array([2]));
  });
});
