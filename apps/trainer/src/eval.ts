/**
 * `scratchgpt eval`: the loss of a run's model on held-out text, every token counted once.
 * The text is cut into consecutive windows of `blockSize` targets (the last one shorter), so each
 * target is predicted from up to `blockSize` tokens before it in its window. Nats per token depend
 * on the tokenizer; bits per character (total nats / ln 2 / characters covered) do not, which is
 * what makes char and BPE models comparable on the same text.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GPT } from '@scratchgpt/model';
import type { Tokenizer } from '@scratchgpt/tokenizers';
import { selectBackend, type BackendChoice } from './backend';
import { readCorpusText, tokenizeCorpus } from './corpus';
import { loadRun } from './run-dir';

export interface EvalResult {
  /** Mean loss in nats per token. */
  valLoss: number;
  bitsPerChar: number;
  tokens: number;
  chars: number;
  seconds: number;
}

/** Total loss (nats) over every target of `ids`, in batches of `batchSize` windows. */
export function evaluateIds(model: GPT, ids: ArrayLike<number>, batchSize: number): { nats: number; tokens: number } {
  const T = model.config.blockSize;
  const full: number[] = [];
  let nats = 0;
  let tokens = 0;
  const run = (starts: number[], len: number) => {
    const x = new Int32Array(starts.length * len);
    const y = new Int32Array(starts.length * len);
    starts.forEach((start, row) => {
      for (let t = 0; t < len; t++) {
        x[row * len + t] = ids[start + t]!;
        y[row * len + t] = ids[start + t + 1]!;
      }
    });
    const mean = tf.tidy(() => model.loss(tf.tensor2d(x, [starts.length, len], 'int32'), tf.tensor2d(y, [starts.length, len], 'int32'), { training: false }).dataSync()[0]!);
    nats += mean * starts.length * len;
    tokens += starts.length * len;
  };
  for (let start = 0; start + 1 < ids.length; start += T) {
    const len = Math.min(T, ids.length - 1 - start);
    if (len < T) run([start], len); // the short tail on its own
    else {
      full.push(start);
      if (full.length === batchSize) run(full.splice(0), T);
    }
  }
  if (full.length > 0) run(full, T);
  return { nats, tokens };
}

/** Characters (code points) that the targets `ids[1..]` cover. */
export function charsCovered(tokenizer: Tokenizer, ids: ArrayLike<number>): number {
  const all = Array.from(ids);
  return [...tokenizer.decode(all)].length - [...tokenizer.decode(all.slice(0, 1))].length;
}

export async function evalCommand(opts: { run: string; data?: string; backend: BackendChoice }): Promise<EvalResult & { text: string; split: string }> {
  await selectBackend(opts.backend);
  const { model, optimizer, tokenizer, extra } = await loadRun(opts.run);
  optimizer.dispose();
  model.eval(); // no dropout
  try {
    const file = await readCorpusText(opts.data ?? extra.data.path, (line) => console.error(line));
    let ids: ArrayLike<number>;
    if (opts.data === undefined) {
      if (file.sha256 !== extra.data.sha256) throw new Error(`${file.path} changed since the run was trained on it; pass --data to evaluate on a text of your choice.`);
      ids = tokenizeCorpus(file, tokenizer, model.config.blockSize).val;
    } else {
      try {
        ids = tokenizer.encode(file.text);
      } catch (error) {
        throw new Error(`the run's tokenizer (${tokenizer.name}) does not fit ${file.path}: ${(error as Error).message}`, { cause: error });
      }
      if (ids.length < 2) throw new Error(`${file.path} is too short to evaluate: it needs at least 2 tokens.`);
    }
    const t = performance.now();
    const { nats, tokens } = evaluateIds(model, ids, extra.settings.batchSize);
    const seconds = (performance.now() - t) / 1000;
    const chars = charsCovered(tokenizer, ids);
    return { valLoss: nats / tokens, bitsPerChar: nats / Math.LN2 / chars, tokens, chars, seconds, text: file.path, split: opts.data === undefined ? 'the val split, its last 10%' : 'the whole file' };
  } finally {
    model.dispose();
    tokenizer.dispose?.();
  }
}
