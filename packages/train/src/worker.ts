// A DataParallel worker thread: starts its backend, builds the model, and for each step loads the
// shared weights, computes the weighted gradients of its rows and writes them to shared memory.
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { GPT } from '@scratchgpt/model';
import { accumulateGradients } from './train-step';
import type { StepReply, StepRequest, WorkerInit } from './worker-protocol';

const BACKEND_MODULES: Record<string, string> = { wasm: '@tensorflow/tfjs-backend-wasm', cpu: '@tensorflow/tfjs-backend-cpu' };
const init = workerData as WorkerInit;

async function start(): Promise<GPT> {
  for (const specifier of init.setup) await import(specifier);
  const module = BACKEND_MODULES[init.backend];
  if (module !== undefined && tf.findBackend(init.backend) === null) await import(module);
  const started = await tf.setBackend(init.backend).catch(() => false); // an unregistered name throws, a failed start returns false
  if (!started) throw new Error(`the "${init.backend}" backend did not start in a worker thread; pass a setup module that registers it, or use one thread.`);
  return new GPT(init.config);
}

const ready = start();
ready.catch(() => undefined); // reported in reply to the first message, not as an unhandled rejection
parentPort!.on('message', async (message: StepRequest) => {
  let reply: StepReply;
  try {
    const model = await ready;
    reply = message.type === 'ping' ? { type: 'ready' } : step(model, message);
  } catch (error) {
    reply = { type: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(reply);
});

function step(model: GPT, { T, parts, rng }: Extract<StepRequest, { type: 'step' }>): StepReply {
  // 1. The main thread's weights, and this step's dropout seed.
  const params = model.namedParameters();
  tf.tidy(() => {
    for (const [i, { offset, shape }] of init.layout.entries()) {
      const [, p] = params[i]!;
      p.assign(tf.tensor(init.weights.subarray(offset, offset + p.size), shape));
    }
  });
  model.rng.setState(rng);
  // 2. Gradients of this worker's rows, into shared memory.
  const batches = parts.map((p) => ({ x: tf.tensor2d(p.x, [p.rows, T], 'int32'), y: tf.tensor2d(p.y, [p.rows, T], 'int32'), weight: p.weight }));
  try {
    const { loss, grads } = accumulateGradients(model, batches);
    for (const { name, offset } of init.layout) {
      const g = grads.get(name)!;
      init.grads.set(g.dataSync() as Float32Array, offset);
    }
    tf.dispose([...grads.values()]);
    return { type: 'done', loss };
  } finally {
    tf.dispose(batches.flatMap((b) => [b.x, b.y]));
  }
}
