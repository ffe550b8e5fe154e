// A DataParallel worker thread: starts its backend, builds the model, and for each step loads the
// shared weights, computes the weighted gradients of its rows and writes them to shared memory.
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { GPT } from '@scratchgpt/model';
import { backendByTfName } from '@scratchgpt/nn';
import { passGradients } from './train-step';
import type { StepReply, StepRequest, WorkerInit } from './worker-protocol';

const init = workerData as WorkerInit;

async function start(): Promise<GPT> {
  for (const specifier of init.setup) await import(specifier);
  const module = backendByTfName(init.backend)?.module;
  if (module !== undefined && !tf.findBackend(init.backend)) await import(module); // registers the backend
  const started = await tf.setBackend(init.backend).catch(() => false); // an unregistered name throws, a failed start returns false
  if (!started)
    throw new Error(
      `the "${init.backend}" backend did not start in a worker thread; pass a setup module that registers it, or use one thread.`,
    );
  return new GPT(init.config, { maxParameters: Number.POSITIVE_INFINITY }); // the main thread's model, already within its budget
}

const ready = start();
ready.catch(() => undefined); // reported in reply to the first message, not as an unhandled rejection
parentPort!.on('message', async (message: StepRequest) => {
  let reply: StepReply;
  try {
    const model = await ready;
    reply = message.type === 'ping' ? { type: 'ready' } : await step(model, message);
  } catch (error) {
    reply = { type: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(reply);
});

async function step(model: GPT, { T, passes, rng }: Extract<StepRequest, { type: 'step' }>): Promise<StepReply> {
  // 1. The main thread's weights, and this step's dropout seed.
  const params = model.namedParameters();
  tf.tidy(() => {
    for (const [i, { offset, shape }] of init.layout.entries()) {
      const [, p] = params[i]!;
      p.assign(tf.tensor(init.weights.subarray(offset, offset + p.size), shape));
    }
  });
  model.rng.setState(rng);
  // 2. Gradients of this worker's rows, into shared memory; its losses, summed in order.
  const { losses, grads } = passGradients(model, passes, T);
  let stacked: tf.Tensor | undefined;
  try {
    for (const { name, offset } of init.layout) init.grads.set((await grads.get(name)!.data()) as Float32Array, offset);
    stacked = tf.stack(losses);
    let loss = 0;
    for (const v of await stacked.data()) loss += v;
    return { type: 'done', loss };
  } finally {
    tf.dispose([...(stacked ? [stacked] : []), ...losses, ...grads.values()]);
  }
}
