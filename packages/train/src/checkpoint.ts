/**
 * Checkpoints that resume exactly, as one safetensors file: the model's parameters
 * (`model.<name>`), AdamW's moments (`adamw.m.<name>`, `adamw.v.<name>`) and, in the metadata, a
 * JSON state (step, config, optimizer settings, generator states, data position, tokenizer,
 * metrics), a format version and a sha256 over the state and every tensor, so a damaged or
 * truncated file is named as such instead of half-loaded. One file, so it can be replaced
 * atomically (see `saveCheckpoint` in `@scratchgpt/train/node`).
 */
import { sha256 } from '@noble/hashes/sha2';
import * as tf from '@tensorflow/tfjs-core';
import { bytesToHex } from '@noble/hashes/utils';
import { GPT, parseSafetensors, serializeSafetensors, type ResolvedGPTConfig, type SafetensorsTensor } from '@scratchgpt/model';
import { AdamW, decayedParameters, type AdamWOptions } from './adamw';

export const CHECKPOINT_FORMAT = 'scratchgpt-checkpoint/1';

/** Everything besides tensors that a run needs to continue. */
export interface CheckpointState {
  /** Optimizer steps done. */
  step: number;
  /** The model's config. */
  config: ResolvedGPTConfig;
  /** AdamW's settings. */
  optimizer: Required<AdamWOptions>;
  /** The model's generator state (dropout masks). */
  modelRng: number[];
  /** Where the data is: e.g. a batch sampler's generator state. */
  data?: unknown;
  /** The tokenizer's JSON. */
  tokenizer?: unknown;
  /** Metrics logged so far. */
  metrics?: unknown[];
  /** Anything else the caller wants back (e.g. training settings). */
  extra?: Record<string, unknown>;
}

/** Thrown when bytes are not a valid checkpoint, with the reason. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** Serialises the model, the optimizer and the state. */
export function writeCheckpoint(model: GPT, optimizer: AdamW, state: Omit<CheckpointState, 'config' | 'optimizer' | 'modelRng' | 'step'>): Uint8Array {
  const full: CheckpointState = {
    ...state,
    step: optimizer.stepCount,
    config: model.config,
    optimizer: { lr: optimizer.lr, betas: optimizer.betas, eps: optimizer.eps, weightDecay: optimizer.weightDecay },
    modelRng: model.rng.getState(),
  };
  const moments = optimizer.getState();
  const tensors: Array<[string, { shape: number[]; data: Float32Array }]> = [];
  for (const [name, p] of model.namedParameters()) {
    tensors.push([`model.${name}`, { shape: p.shape, data: Float32Array.from(p.dataSync()) }]);
    tensors.push([`adamw.m.${name}`, { shape: p.shape, data: moments.m[name]! }]);
    tensors.push([`adamw.v.${name}`, { shape: p.shape, data: moments.v[name]! }]);
  }
  const json = JSON.stringify(full);
  return serializeSafetensors(tensors, { format: CHECKPOINT_FORMAT, state: json, sha256: checksum(json, new Map(tensors.map(([n, t]) => [n, t.data]))) });
}

/** Reads and checks a checkpoint (format, checksum), without building anything. */
export function readCheckpoint(bytes: Uint8Array): { state: CheckpointState; tensors: Map<string, SafetensorsTensor> } {
  let file;
  try {
    file = parseSafetensors(bytes);
  } catch (error) {
    throw new CheckpointError(`not a readable checkpoint (truncated or damaged): ${(error as Error).message}`, { cause: error });
  }
  const { format, state: json, sha256: expected } = file.metadata;
  if (format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(`format ${JSON.stringify(format ?? null)} is not ${JSON.stringify(CHECKPOINT_FORMAT)}; it is not a scratchgpt checkpoint of this version.`);
  }
  if (json === undefined || expected === undefined) throw new CheckpointError('the state or checksum is missing.');
  const actual = checksum(json, new Map([...file.tensors].map(([n, t]) => [n, t.data])));
  if (actual !== expected) throw new CheckpointError(`the checksum does not match (sha256 ${actual.slice(0, 12)}…, expected ${expected.slice(0, 12)}…): the file is damaged.`);
  return { state: JSON.parse(json) as CheckpointState, tensors: file.tensors };
}

/** Rebuilds the model and the optimizer of a checkpoint, exactly as they were saved. */
export function restoreCheckpoint(bytes: Uint8Array): { model: GPT; optimizer: AdamW; state: CheckpointState } {
  const { state, tensors } = readCheckpoint(bytes);
  const model = new GPT(state.config);
  const need = (name: string) => {
    const t = tensors.get(name);
    if (t === undefined) throw new CheckpointError(`the checkpoint has no tensor "${name}" for its own config; it is damaged.`);
    return t.data;
  };
  const m: Record<string, Float32Array> = {};
  const v: Record<string, Float32Array> = {};
  try {
    tf.tidy(() => {
      for (const [name, p] of model.namedParameters()) {
        p.assign(tf.tensor(need(`model.${name}`), p.shape));
        m[name] = need(`adamw.m.${name}`);
        v[name] = need(`adamw.v.${name}`);
      }
    });
  } catch (error) {
    model.dispose();
    throw error;
  }
  model.rng.setState(state.modelRng);
  const optimizer = new AdamW(model.namedParameters(), decayedParameters(model), state.optimizer);
  optimizer.setState({ step: state.step, m, v });
  return { model, optimizer, state };
}

function checksum(json: string, tensors: ReadonlyMap<string, Float32Array>): string {
  const hash = sha256.create();
  hash.update(new TextEncoder().encode(json));
  for (const name of [...tensors.keys()].sort()) {
    const data = tensors.get(name)!;
    hash.update(new TextEncoder().encode(name));
    hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return bytesToHex(hash.digest());
}
