import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { RandomBatchSampler } from '@scratchgpt/data';
import { GPT, type GPTConfig } from '@scratchgpt/model';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW, decayedParameters } from './adamw';
import { CheckpointError, readCheckpoint, restoreCheckpoint, writeCheckpoint } from './checkpoint';
import { cosineSchedule } from './lr-schedule';
import { trainStep } from './train-step';

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

const config: GPTConfig = { vocabSize: 13, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0.1, bias: true };
const corpus = Int32Array.from({ length: 400 }, (_, i) => (i * 7 + (i >> 3)) % 13);
const lrAt = cosineSchedule({ lr: 1e-2, warmupIters: 2, decayIters: 10 });

/** Runs `steps` steps from the given state, returning the losses. */
function run(model: GPT, opt: AdamW, sampler: RandomBatchSampler, steps: number): number[] {
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const { x, y } = sampler.next().toTensors(tf);
    losses.push(trainStep(model, [{ x, y }], opt, { lr: lrAt(opt.stepCount) }).loss);
    tf.dispose([x, y]);
  }
  return losses;
}

const fresh = () => {
  const model = new GPT(config, { seed: 7 });
  return { model, opt: new AdamW(model.namedParameters(), decayedParameters(model)), sampler: new RandomBatchSampler(corpus, { batchSize: 4, blockSize: 8, seed: 3 }) };
};

describe('checkpoints', () => {
  it('resume exactly: N steps equal N/2 + save + restore + N/2 (1e-6), dropout included', () => {
    const a = fresh();
    const straight = run(a.model, a.opt, a.sampler, 8);

    const b = fresh();
    const firstHalf = run(b.model, b.opt, b.sampler, 4);
    const bytes = writeCheckpoint(b.model, b.opt, { data: b.sampler.getState(), metrics: firstHalf, tokenizer: { type: 'test' } });
    b.model.dispose();
    b.opt.dispose();
    const restored = restoreCheckpoint(bytes);
    const sampler = new RandomBatchSampler(corpus, { batchSize: 4, blockSize: 8, seed: 999 });
    sampler.setState(restored.state.data as number[]);
    const secondHalf = run(restored.model, restored.optimizer, sampler, 4);

    expect(restored.state.step).toBe(4);
    expect(restored.state.metrics).toEqual(firstHalf);
    expect(restored.state.tokenizer).toEqual({ type: 'test' });
    [...firstHalf, ...secondHalf].forEach((l, i) => expect(Math.abs(l - straight[i]!)).toBeLessThan(1e-6));
  });

  it('names damage: a flipped byte, a truncated file, another format', () => {
    const { model, opt } = fresh();
    const bytes = writeCheckpoint(model, opt, {});
    const flipped = bytes.slice();
    flipped[flipped.length - 5]! ^= 0xff;
    expect(() => readCheckpoint(flipped)).toThrow(CheckpointError);
    expect(() => readCheckpoint(flipped)).toThrow('the checksum does not match');
    expect(() => readCheckpoint(bytes.subarray(0, bytes.length - 100))).toThrow('not a readable checkpoint (truncated or damaged)');
    expect(() => readCheckpoint(model.toSafetensors())).toThrow('format "pt" is not "scratchgpt-checkpoint/1"');
    expect(restoreCheckpoint(bytes).state.config).toEqual(model.config);
  });
});
