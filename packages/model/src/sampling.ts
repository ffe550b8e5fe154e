/**
 * Picking the next token from logits, in plain JS on one row: temperature, top-k, top-p
 * (nucleus), seeded. Temperature 0 is greedy (argmax, first on ties).
 */
import type { SeededRandom } from '@scratchgpt/data';

/** How to pick the next token. */
export interface SamplingOptions {
  /** Divides the logits; 0 picks the most likely token. Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens (and any tied with the k-th, as nanoGPT). Default: all. */
  topK?: number;
  /** Keep the fewest most likely tokens whose probabilities sum to at least p. Default 1 (all). */
  topP?: number;
}

export function checkSampling({ temperature = 1, topK, topP = 1 }: SamplingOptions): void {
  if (!(temperature >= 0) || !Number.isFinite(temperature))
    throw new RangeError(`temperature must be a finite number ≥ 0, got ${temperature}.`);
  if (topK !== undefined && (!Number.isInteger(topK) || topK < 1)) throw new RangeError(`topK must be a positive integer, got ${topK}.`);
  if (!(topP > 0 && topP <= 1)) throw new RangeError(`topP must be in (0, 1], got ${topP}.`);
}

/** The index of the largest value (the first, on ties). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** Samples a token id from one row of logits. */
export function sampleLogits(logits: ArrayLike<number>, options: SamplingOptions, rng: SeededRandom): number {
  const { temperature = 1, topK, topP = 1 } = options;
  if (temperature === 0) return argmax(logits);
  // 1. Candidates by descending logit (top-k keeps the first k).
  let order = Array.from({ length: logits.length }, (_, i) => i).sort((a, b) => logits[b]! - logits[a]! || a - b);
  if (topK !== undefined && topK < order.length) {
    const kth = logits[order[topK - 1]!]!;
    order = order.filter((i) => logits[i]! >= kth);
  }
  // 2. Softmax over the candidates, in float64.
  const max = logits[order[0]!]!;
  const weights = order.map((i) => Math.exp((logits[i]! - max) / temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  // 3. Nucleus: the shortest prefix with probability ≥ topP.
  let keep = order.length;
  if (topP < 1) {
    let mass = 0;
    for (keep = 0; keep < order.length && mass < topP * total; keep++) mass += weights[keep]!;
  }
  // 4. Draw.
  const kept = weights.slice(0, keep).reduce((a, b) => a + b, 0);
  let r = rng.nextFloat() * kept;
  for (let j = 0; j < keep; j++) {
    r -= weights[j]!;
    if (r < 0) return order[j]!;
  }
  return order[keep - 1]!;
}
