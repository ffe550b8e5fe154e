import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { GPT, type GPTConfig } from '@scratchgpt/model';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { memoryCheckpoints, restoreCheckpoint, type Metric } from './checkpoint';
import { resumeConfig, type TrainConfig } from './config';
import { evaluate } from './estimate-loss';
import { NonFiniteLossError, train, type TrainEvent } from './train';

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

const model = (dropout = 0.1): GPT =>
  new GPT({ vocabSize: 13, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 16, dropout, bias: true } satisfies GPTConfig, { seed: 5 });
const corpus = Int32Array.from({ length: 600 }, (_, i) => (i * 7 + (i >> 3)) % 13);
const data = { train: corpus.subarray(0, 540), val: corpus.subarray(540) };
const recipe: TrainConfig = {
  batchSize: 4,
  maxIters: 8,
  evalInterval: 4,
  evalIters: 2,
  lr: 1e-2,
  warmupIters: 2,
  lrDecayIters: 8,
  sampleTokens: 5,
};
const losses = (metrics: Metric[]) => metrics.map((m) => [m.step, m.loss, m.valLoss ?? null]);

describe('train', () => {
  for (const sampler of ['random', 'sliding'] as const) {
    it(`resumes exactly (${sampler} batches): 4 steps + checkpoint + 4 more give the losses of 8 straight steps (1e-6), dropout on`, async () => {
      const config = { ...recipe, sampler, ...(sampler === 'sliding' ? { stride: 3 } : {}) };
      const straight = await train(model(), { data, config });
      const store = memoryCheckpoints();
      const half = await train(model(), { data, config: { ...config, maxIters: 4 }, checkpoints: store });
      expect(half.step).toBe(4);
      const restored = restoreCheckpoint((await store.load())!);
      const { config: resumed, changed } = resumeConfig(restored.state.training!.config, { maxIters: 8 });
      expect(changed).toEqual([{ key: 'maxIters', from: 4, to: 8 }]);
      const rest = await train(restored.model, { data, config: resumed, resume: restored });
      expect(rest.step).toBe(8);
      const [a, b] = [losses(straight.metrics), losses(rest.metrics)];
      expect(b.map((m) => m[0])).toEqual(a.map((m) => m[0]));
      for (const [i, m] of a.entries())
        for (const [j, v] of m.slice(1).entries()) expect(Math.abs((v ?? 0) - (b[i]![j + 1] ?? 0))).toBeLessThan(1e-6);
      const epochs = rest.metrics.filter((m) => m.valLoss === undefined).map((m) => m.epoch!);
      expect(epochs.every((e, i) => i === 0 || e > epochs[i - 1]!)).toBe(true); // every metric carries the epoch, growing
      if (sampler === 'sliding') expect(epochs.at(-1)).toBeCloseTo((8 * 4) / 178, 12); // 8 batches of 4 of the 178 windows
    });
  }

  it('reads tensors only asynchronously: no dataSync or arraySync while training, evaluating, sampling, saving or resuming', async () => {
    const engine = tf.engine();
    const readSync = engine.readSync;
    engine.readSync = () => {
      throw new Error('a synchronous read');
    };
    try {
      const m = model();
      const store = memoryCheckpoints();
      const config = { ...recipe, sampler: 'sliding', gradAccum: 2, maxIters: 4 } as const;
      // A budget that splits each micro-batch into passes: the pass memory is measured too.
      const half = await train(m, { data, config, checkpoints: store, memoryBudget: 400_000 });
      expect(half.step).toBe(4);
      const restored = restoreCheckpoint((await store.load())!);
      const rest = await train(restored.model, {
        data,
        config: { ...config, maxIters: 8 },
        resume: restored,
        checkpoints: store,
        memoryBudget: 400_000,
      });
      expect(rest.step).toBe(8);
      const { tokens } = await evaluate(restored.model, data.val, { batchSize: 3 });
      expect(tokens).toBe(59);
    } finally {
      engine.readSync = readSync;
    }
  });

  it('reports its events in order: start, evaluations with samples and checkpoints, steps', async () => {
    const events: TrainEvent[] = [];
    await train(model(), {
      data,
      config: recipe,
      checkpoints: memoryCheckpoints(),
      onEvent: (e) => void events.push(e),
      samplePrompt: [1, 2],
    });
    const kinds = events.map((e) =>
      e.type === 'step' || e.type === 'eval' ? `${e.type}${e.metric.step}` : e.type === 'start' ? 'start' : `${e.type}${e.step}`,
    );
    expect(kinds).toEqual([
      'start',
      'eval0',
      'sample0',
      'step1',
      'step2',
      'step3',
      'step4',
      'eval4',
      'sample4',
      'checkpoint4',
      'step5',
      'step6',
      'step7',
      'step8',
      'eval8',
      'sample8',
      'checkpoint8',
    ]);
    const sample = events.find((e) => e.type === 'sample')!;
    expect(sample.type === 'sample' && sample.ids.slice(0, 2)).toEqual([1, 2]);
    expect(sample.type === 'sample' && sample.ids.length).toBe(2 + 5);
    const start = events[0]!;
    expect(start.type === 'start' && [start.threads, start.maxRows, start.tokensPerStep]).toEqual([1, Number.POSITIVE_INFINITY, 32]);
  });

  it('splits rows into passes within a memory budget: the same steps (without dropout, whose masks are drawn per pass)', async () => {
    const events: TrainEvent[] = [];
    const whole = await train(model(0), { data, config: recipe, memoryBudget: Number.POSITIVE_INFINITY });
    const passes = await train(model(0), { data, config: recipe, memoryBudget: 400_000, onEvent: (e) => void events.push(e) }); // about 2 rows
    const start = events[0]!;
    expect(start.type === 'start' && start.maxRows).toBe(2); // the budget fits fewer rows than a batch
    expect(start.type === 'start' && start.memory!.bytesPerRow).toBeGreaterThan(0);
    for (const [i, m] of passes.metrics.entries()) expect(Math.abs(m.loss - whole.metrics[i]!.loss)).toBeLessThan(1e-5);
    await expect(train(model(), { data, config: recipe, memoryBudget: 100_000 })).rejects.toThrow(
      /one row of 8 tokens needs 18\d kB in a forward \+ backward pass, more than the 100 kB a pass may take/,
    );
  });

  it('stops on the signal after the current step and saves; the run then resumes', async () => {
    const controller = new AbortController();
    const store = memoryCheckpoints();
    const result = await train(model(), {
      data,
      config: { ...recipe, maxIters: 100 },
      checkpoints: store,
      signal: controller.signal,
      onEvent: (e) => void (e.type === 'step' && e.metric.step === 3 && controller.abort()),
    });
    expect(result).toMatchObject({ step: 3, interrupted: true });
    const restored = restoreCheckpoint((await store.load())!);
    expect(restored.state.step).toBe(3);
    const rest = await train(restored.model, { data, config: restored.state.training!.config, resume: restored });
    expect(rest).toMatchObject({ step: 100, interrupted: false });
  });

  it('stops at a time budget of training steps, evaluating and saving there', async () => {
    const store = memoryCheckpoints();
    const result = await train(model(), { data, config: { ...recipe, maxIters: 1000 }, budgetSeconds: 1e-9, checkpoints: store });
    expect(result.step).toBe(1); // the first step spends the budget
    expect(result.trainSeconds).toBeGreaterThan(0);
    expect(result.metrics.map((m) => [m.step, m.valLoss !== undefined])).toEqual([
      [0, true],
      [1, false],
      [1, true],
    ]);
    expect(restoreCheckpoint((await store.load())!).state.step).toBe(1);
  });

  it('an abort that lands before an evaluation saves at once; the resumed run evaluates there and equals a straight run', async () => {
    const straight = await train(model(), { data, config: recipe });
    const controller = new AbortController();
    const store = memoryCheckpoints();
    const events: TrainEvent[] = [];
    const stopped = await train(model(), {
      data,
      config: recipe,
      checkpoints: store,
      signal: controller.signal,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'step' && e.metric.step === 4) controller.abort(); // step 4 is an evaluation step
      },
    });
    expect(stopped).toMatchObject({ step: 4, interrupted: true });
    expect(events.some((e) => e.type === 'eval' && e.metric.step === 4)).toBe(false); // not evaluated before stopping
    const restored = restoreCheckpoint((await store.load())!);
    const rest = await train(restored.model, { data, config: recipe, resume: restored });
    expect(losses(rest.metrics)).toEqual(losses(straight.metrics));
  });

  it('stops on a non-finite loss with the last good checkpoint kept', async () => {
    const store = memoryCheckpoints();
    await train(model(), { data, config: { ...recipe, maxIters: 4 }, checkpoints: store });
    const good = await store.load();
    const restored = restoreCheckpoint(good!);
    const blown = resumeConfig(restored.state.training!.config, { maxIters: 8, lr: 3e38, minLr: 0, warmupIters: 0 }).config;
    const error = await train(restored.model, { data, config: blown, resume: restored, checkpoints: store }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    expect((error as NonFiniteLossError).checkpointStep).toBe(4);
    expect((error as Error).message).toMatch(/^the loss became (NaN|-?Infinity) at step \d .*The last good checkpoint \(step 4\) is kept/);
    expect(await store.load()).toBe(good); // nothing broken was saved over it
    const storeless = restoreCheckpoint(good!);
    const again = await train(storeless.model, { data, config: blown, resume: storeless }).catch((e: unknown) => e);
    expect((again as Error).message).toContain('No checkpoint was saved yet'); // none in a store this call
  });

  it('refuses data outside the vocabulary, and a resume on other data, another model or another seed', async () => {
    await expect(train(model(), { data: { train: [1, 2, 13, 4, 5, 6, 7, 8, 9, 10], val: data.val }, config: recipe })).rejects.toThrow(
      "the train split has token id 13 at index 2, outside the model's vocabulary [0, 13)",
    );
    await expect(train(model(), { data, config: { ...recipe, batchSize: 0 } })).rejects.toThrow(
      'TrainConfig: batchSize must be a positive integer, got 0.',
    );
    await expect(train(model(), { data, config: { ...recipe, stride: 2 } })).rejects.toThrow(
      'TrainConfig: stride (2) is for sampler "sliding"',
    );
    const store = memoryCheckpoints();
    await train(model(), { data, config: { ...recipe, maxIters: 4 }, checkpoints: store });
    const resume = () => restoreCheckpoint(store.bytes!);
    const r1 = resume();
    await expect(train(r1.model, { data: { train: data.val, val: data.train }, config: recipe, resume: r1 })).rejects.toThrow(
      "train: the data is not the run's",
    );
    const r2 = resume();
    const wider = new GPT({ ...r2.model.config, nEmbd: 32 });
    await expect(train(wider, { data, config: recipe, resume: r2 })).rejects.toThrow("train: the model's config is not the checkpoint's");
    const r3 = resume();
    await expect(train(r3.model, { data, config: { ...recipe, seed: 1 }, resume: r3 })).rejects.toThrow(
      'train: seed is 1337 in the run and 1 in the config',
    );
    expect(() => resumeConfig(r3.state.training!.config, { sampler: 'sliding' })).toThrow(
      'TrainConfig: sampler cannot change when a run resumes (the run\'s is "random", given "sliding")',
    );
  });
});

describe('evaluate', () => {
  it('counts every target once, in windows of blockSize, and equals the loss computed window by window', async () => {
    const m = model();
    const ids = corpus.subarray(0, 30); // 29 targets: 3 windows of 8 and a tail of 5
    const { nats, tokens } = await evaluate(m, ids, { batchSize: 2 });
    expect(tokens).toBe(29);
    let expected = 0;
    for (let start = 0; start + 1 < ids.length; start += 8) {
      const len = Math.min(8, ids.length - 1 - start);
      const x = tf.tensor2d(ids.subarray(start, start + len), [1, len], 'int32');
      const y = tf.tensor2d(ids.subarray(start + 1, start + 1 + len), [1, len], 'int32');
      expected += (await m.loss(x, y, { training: false }).data())[0]! * len;
    }
    expect(nats).toBeCloseTo(expected, 4);
    expect(m.training).toBe(true);
    const dropped = new GPT({ ...m.config, dropout: 0.5 }, { seed: 5 }); // no dropout in evaluation, whatever the mode
    dropped.train();
    const first = await evaluate(dropped, ids, { batchSize: 2 });
    expect((await evaluate(dropped, ids, { batchSize: 2 })).nats).toBe(first.nats);
    await expect(evaluate(m, [1], { batchSize: 2 })).rejects.toThrow('it needs at least 2');
    await expect(evaluate(m, [1, 99], { batchSize: 2 })).rejects.toThrow('the evaluated text has token id 99 at index 1');
  });
});

afterEach(() => {
  tf.disposeVariables(); // the models of a test go with it
});
