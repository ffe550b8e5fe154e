/**
 * Checkpoints that resume exactly, as one safetensors file: the model's parameters
 * (`model.<name>`), AdamW's moments (`adamw.m.<name>`, `adamw.v.<name>`) and, in the metadata, a
 * JSON state (step, config, optimizer settings, the model's generator state, the training loop's
 * state, tokenizer, your extras), a format version and a sha256 over the state and every tensor, so
 * a damaged or truncated file is named as such instead of half-loaded. One file, so a store can
 * replace it atomically (see `fileCheckpoints` in `@scratchgpt/train/node`). This file is the
 * format's one home: what a checkpoint holds is defined here. A checksum proves a file whole, not
 * who wrote it, so `restoreCheckpoint` also checks the tensors against the config before it builds
 * anything (`checkCheckpointTensors`: every tensor with exactly its shape, none left over, within
 * the parameter budget, every value finite).
 */
import { sha256 } from '@noble/hashes/sha2';
import * as tf from '@tensorflow/tfjs-core';
import { bytesToHex } from '@noble/hashes/utils';
import type { BatchSourceState } from '@scratchgpt/data';
import {
  GPT,
  checkFinite,
  checkParameterBudget,
  listsAttention,
  parameterShapes,
  parseSafetensors,
  resolveConfig,
  serializeSafetensors,
  shapeSize,
  type LoadLimits,
  type ResolvedGPTConfig,
  type SafetensorsTensor,
} from '@scratchgpt/model';
import { AdamW, decayedParameters, type AdamWOptions } from './adamw';
import type { TrainConfig } from './config';

/** Version 2: the training loop's state in `training` (version 1 kept the trainer's in `data`, `metrics` and `extra`). */
export const CHECKPOINT_FORMAT = 'scratchgpt-checkpoint/2';

/** The tensors of each parameter, by the prefix of their names: its value and AdamW's two moments. */
const PARTS = ['model.', 'adamw.m.', 'adamw.v.'] as const;

/** One line of a run's metrics: every step has the first four fields; evaluations add the rest. */
export interface Metric {
  step: number;
  /** Training loss of this step (at an evaluation: the train-split estimate). */
  loss: number;
  lr: number;
  /** Tokens per second of the last step. */
  tokensPerSec: number;
  /** Epochs of the train split drawn so far (fractional). */
  epoch?: number;
  /** Val-split estimate, at evaluations only. */
  valLoss?: number;
  /** Seconds spent in training steps so far (evaluations not counted), at evaluations only. */
  seconds?: number;
  /** Global gradient norm before clipping, at steps only. */
  gradNorm?: number;
}

/** What the training loop (`train`) keeps to continue a run exactly. */
export interface TrainingState {
  /** The run's recipe, as it was given (`resolveTrainConfig` fills in the defaults). */
  config: TrainConfig;
  /** Tokens in each split and a sha256 over their ids, so a run is not resumed on other data. */
  data: { trainTokens: number; valTokens: number; sha256: string };
  /** The positions of the train batches and of the two evaluation streams. */
  batches: { train: BatchSourceState; evalTrain: BatchSourceState; evalVal: BatchSourceState };
  /** Every metric so far. */
  metrics: Metric[];
  /** Wall-clock seconds of the run so far, and seconds in training steps only. */
  seconds: number;
  trainSeconds: number;
}

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
  /** The training loop's state (absent in checkpoints written by loops of your own). */
  training?: TrainingState;
  /** The tokenizer's JSON. */
  tokenizer?: unknown;
  /** Anything else the caller wants back (e.g. where the data came from). */
  extra?: Record<string, unknown>;
}

/** Where a run keeps its checkpoint: files in Node (`fileCheckpoints`), memory, or browser storage. */
export interface CheckpointStore {
  /** Replaces the stored checkpoint with `bytes` (atomically, where the medium allows). */
  save(bytes: Uint8Array): Promise<void>;
  /** The stored checkpoint, or undefined when there is none yet. */
  load(): Promise<Uint8Array | undefined>;
}

/** A store that keeps the last checkpoint in memory (tests, short runs, a page that saves elsewhere). */
export function memoryCheckpoints(): CheckpointStore & { bytes: Uint8Array | undefined } {
  return {
    bytes: undefined,
    async save(bytes) {
      this.bytes = bytes;
    },
    async load() {
      return this.bytes;
    },
  };
}

/** Thrown when bytes are not a valid checkpoint, with the reason. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** Serialises the model, the optimizer and the state, reading every tensor asynchronously. */
export async function writeCheckpoint(
  model: GPT,
  optimizer: AdamW,
  state: Pick<CheckpointState, 'training' | 'tokenizer' | 'extra'>,
): Promise<Uint8Array> {
  const full: CheckpointState = {
    ...state,
    step: optimizer.stepCount,
    config: model.config,
    optimizer: { lr: optimizer.lr, betas: optimizer.betas, eps: optimizer.eps, weightDecay: optimizer.weightDecay },
    modelRng: model.rng.getState(),
  };
  const moments = await optimizer.getState();
  const tensors: Array<[string, { shape: number[]; data: Float32Array }]> = [];
  for (const [name, p] of model.namedParameters()) {
    const [value, m, v] = PARTS;
    tensors.push([value + name, { shape: p.shape, data: Float32Array.from(await p.data()) }]);
    tensors.push([m + name, { shape: p.shape, data: moments.m[name]! }]);
    tensors.push([v + name, { shape: p.shape, data: moments.v[name]! }]);
  }
  const json = JSON.stringify(full);
  return serializeSafetensors(tensors, {
    format: CHECKPOINT_FORMAT,
    state: json,
    sha256: checksum(json, new Map(tensors.map(([n, t]) => [n, t.data]))),
  });
}

/** Reads and checks a checkpoint (format, checksum), without building anything. */
export function readCheckpoint(bytes: Uint8Array): { state: CheckpointState; tensors: Map<string, SafetensorsTensor> } {
  let file: ReturnType<typeof parseSafetensors>;
  try {
    file = parseSafetensors(bytes);
  } catch (error) {
    throw new CheckpointError(`not a readable checkpoint (truncated or damaged): ${(error as Error).message}`, { cause: error });
  }
  const { format, state: json, sha256: expected } = file.metadata;
  if (format === 'scratchgpt-checkpoint/1') {
    throw new CheckpointError(
      `it was written by an older scratchgpt (format "scratchgpt-checkpoint/1"); this version reads ${JSON.stringify(CHECKPOINT_FORMAT)}: finish that run with the version that started it, or start a new run.`,
    );
  }
  if (format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(
      `format ${JSON.stringify(format ?? null)} is not ${JSON.stringify(CHECKPOINT_FORMAT)}; it is not a scratchgpt checkpoint of this version.`,
    );
  }
  if (json === undefined || expected === undefined) throw new CheckpointError('the state or checksum is missing.');
  const actual = checksum(json, new Map([...file.tensors].map(([n, t]) => [n, t.data])));
  if (actual !== expected)
    throw new CheckpointError(
      `the checksum does not match (sha256 ${actual.slice(0, 12)}…, expected ${expected.slice(0, 12)}…): the file is damaged.`,
    );
  let state: CheckpointState;
  try {
    state = JSON.parse(json) as CheckpointState;
  } catch {
    throw new CheckpointError('its state is not JSON: the file is damaged or not a scratchgpt checkpoint.');
  }
  checkState(state);
  return { state, tensors: file.tensors };
}

/**
 * Rebuilds the model and the optimizer of a checkpoint, exactly as they were saved. Before anything
 * is built, the tensors are checked against the config (`checkCheckpointTensors`), within
 * `maxParameters` (default `MAX_PARAMETERS` of `@scratchgpt/model`).
 */
export function restoreCheckpoint(bytes: Uint8Array, limits: LoadLimits = {}): { model: GPT; optimizer: AdamW; state: CheckpointState } {
  const { state, tensors } = readCheckpoint(bytes);
  checkCheckpointTensors(state.config, tensors, limits); // before allocating the model
  const model = new GPT(state.config, limits); // the same budget
  const [value, mPart, vPart] = PARTS;
  const need = (name: string) => {
    const t = tensors.get(name);
    if (t === undefined) throw new CheckpointError(`the checkpoint has no tensor "${name}" for its own config; it is damaged.`);
    return t.data;
  };
  const m: Record<string, Float32Array> = {};
  const v: Record<string, Float32Array> = {};
  try {
    const named = model.namedParameters();
    tf.tidy(() => {
      for (const [name, p] of named) {
        const t = tensors.get(value + name);
        if (t !== undefined && t.shape.join() !== p.shape.join()) {
          throw new CheckpointError(`tensor "${value + name}" has shape [${t.shape}], but the model of its config has [${p.shape}].`);
        }
        p.assign(tf.tensor(need(value + name), p.shape));
        m[name] = need(mPart + name);
        v[name] = need(vPart + name);
      }
    });
    // A registered attention kind's tensors were taken from the file: every one must be the model's.
    if (named.length * PARTS.length !== tensors.size) {
      const used = new Set(named.flatMap(([name]) => PARTS.map((part) => part + name)));
      const extra = [...tensors.keys()].find((name) => !used.has(name));
      throw new CheckpointError(`it has a tensor "${extra}" that the model of its config does not have.`);
    }
  } catch (error) {
    model.dispose();
    throw error;
  }
  let optimizer: AdamW | undefined;
  try {
    model.rng.setState(state.modelRng);
    optimizer = new AdamW(model.namedParameters(), decayedParameters(model), state.optimizer);
    optimizer.setState({ step: state.step, m, v });
  } catch (error) {
    optimizer?.dispose();
    model.dispose();
    throw new CheckpointError(`its state does not fit its tensors: ${(error as Error).message}`, { cause: error });
  }
  return { model, optimizer, state };
}

/**
 * Checks a checkpoint's tensors against its config without building anything: for every parameter
 * the config implies (see `parameterShapes`), its value and both AdamW moments with exactly its
 * shape; no other tensor; at most `maxParameters` parameters; every value finite. The error (a
 * `CheckpointError`) names the tensor. The checksum cannot do this: anyone can recompute it.
 */
export function checkCheckpointTensors(
  config: CheckpointState['config'],
  tensors: ReadonlyMap<string, SafetensorsTensor>,
  limits: LoadLimits = {},
): void {
  const fail = (message: string): never => {
    throw new CheckpointError(`${message}: the config was edited or the file is damaged; nothing was built.`);
  };
  let c: ResolvedGPTConfig;
  try {
    c = resolveConfig(config);
  } catch (error) {
    throw new CheckpointError(`its config is not valid: ${(error as Error).message}`, { cause: error });
  }
  const known = new Set<string>();
  let parameters = 0;
  const expect = (name: string, shape: readonly number[]) => {
    for (const part of PARTS) {
      const t = tensors.get(part + name);
      if (t === undefined) fail(`it has no tensor "${part + name}" (shape [${shape}]), which its config needs`);
      if (t!.shape.join() !== shape.join()) fail(`tensor "${part + name}" has shape [${t!.shape}], but its config needs [${shape}]`);
      known.add(part + name);
    }
    parameters += shapeSize(shape);
  };
  // Lazy: a config of more layers than the file stops at the first missing tensor.
  for (const [name, shape] of parameterShapes(c)) expect(name, shape);
  if (!listsAttention(c.attention)) {
    // A registered kind's attention parameters are its own: take the file's (in the config's layers); restoreCheckpoint checks them against the model it builds.
    const [value] = PARTS;
    for (const [name, t] of tensors) {
      const layer = name.startsWith(value) ? /^transformer\.h\.(\d+)\.attn\./.exec(name.slice(value.length))?.[1] : undefined;
      if (layer !== undefined && Number(layer) < c.nLayer) expect(name.slice(value.length), t.shape);
    }
  }
  for (const name of tensors.keys()) if (!known.has(name)) fail(`it has a tensor "${name}" that its config does not use`);
  try {
    checkParameterBudget(parameters, 'the checkpoint', limits);
    checkFinite(tensors, 'the checkpoint');
  } catch (error) {
    throw new CheckpointError((error as Error).message, { cause: error });
  }
}

/** The state's shape, checked once here (a checksum proves only that the file is whole, not who wrote it). */
function checkState(state: CheckpointState): void {
  const fail = (field: string): never => {
    throw new CheckpointError(`its state has no valid ${field}; it was not written by scratchgpt (or was edited).`);
  };
  const count = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;
  const object = (x: unknown) => x !== null && typeof x === 'object' && !Array.isArray(x);
  if (!object(state)) fail('state object');
  if (!count(state.step)) fail('step');
  if (!object(state.config)) fail('model config');
  if (!object(state.optimizer)) fail('optimizer settings');
  const t = state.training;
  if (t === undefined) return;
  if (!object(t) || !object(t.config)) fail('training recipe');
  if (!object(t.data) || !count(t.data.trainTokens) || !count(t.data.valTokens) || typeof t.data.sha256 !== 'string')
    fail('training data fingerprint');
  if (!object(t.batches) || !object(t.batches.train) || !object(t.batches.evalTrain) || !object(t.batches.evalVal)) fail('batch positions');
  if (!Array.isArray(t.metrics) || !t.metrics.every((m) => object(m) && Number.isFinite(m.step) && Number.isFinite(m.loss)))
    fail('metrics');
  if (!(t.seconds >= 0) || !(t.trainSeconds >= 0)) fail('clocks');
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
