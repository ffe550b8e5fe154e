import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { GPT, type GPTConfig } from '@scratchgpt/model';
import { serializeSafetensors } from '@scratchgpt/model';
import { beforeAll, describe, expect, it } from 'vitest';
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

  it("refuses a stranger's checkpoint whose state is not scratchgpt's, or whose config dwarfs its weights, before building anything", async () => {
    const { model, opt } = fresh();
    // Checksum-valid files made with writeCheckpoint itself: the checksum proves a file whole, not who wrote it.
    const bogus = await writeCheckpoint(model, opt, { training: { config: {}, metrics: 'none' } as never });
    expect(() => readCheckpoint(bogus)).toThrow(
      'its state has no valid training data fingerprint; it was not written by scratchgpt (or was edited).',
    );
    const giant = {
      config: { ...model.config, nLayer: 4000, nEmbd: 1024, nHead: 16 },
      rng: model.rng,
      namedParameters: () => model.namedParameters(),
    };
    const bytes = await writeCheckpoint(giant as unknown as GPT, opt, {});
    const before = tf.memory().numBytes;
    expect(() => restoreCheckpoint(bytes)).toThrow(
      /the checkpoint holds [\d,]+ weights, but its config \(4000 layers, 1024 wide, vocabulary 13, block 8\) needs at least/,
    );
    expect(tf.memory().numBytes).toBe(before); // no model was allocated
  });

  it('a memory store keeps the last checkpoint', async () => {
    const store = memoryCheckpoints();
    expect(await store.load()).toBeUndefined();
    await store.save(new Uint8Array([1]));
    await store.save(new Uint8Array([2]));
    expect(await store.load()).toEqual(new Uint8Array([2]));
  });
});
