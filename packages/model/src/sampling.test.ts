import { SeededRandom } from '@scratchgpt/data';
import { describe, expect, it } from 'vitest';
import { argmax, sampleLogits } from './sampling';

const draw = (logits: number[], options: Parameters<typeof sampleLogits>[1], n = 4000) => {
  const rng = new SeededRandom(1);
  const counts = new Array(logits.length).fill(0);
  for (let i = 0; i < n; i++) counts[sampleLogits(logits, options, rng)]++;
  return counts.map((c) => c / n);
};

describe('sampling', () => {
  it('follows the softmax of logits / temperature', () => {
    const p = draw([0, Math.log(3)], {});
    expect(p[1]).toBeCloseTo(0.75, 1);
    const hot = draw([0, Math.log(3)], { temperature: 2 }); // probabilities ∝ √(1), √3
    expect(hot[1]).toBeCloseTo(Math.sqrt(3) / (1 + Math.sqrt(3)), 1);
  });

  it('keeps the top k, and every token tied with the k-th (as nanoGPT)', () => {
    expect(draw([1, 5, 3, 4], { topK: 2 }).map((q) => q > 0)).toEqual([false, true, false, true]);
    expect(draw([1, 1, 0], { topK: 1 }).map((q) => q > 0)).toEqual([true, true, false]);
  });

  it('keeps the smallest set with probability ≥ top-p', () => {
    // Probabilities 0.5, 0.3, 0.2: top-p 0.6 keeps the first two, 0.5 only the first.
    const logits = [Math.log(0.5), Math.log(0.3), Math.log(0.2)];
    expect(draw(logits, { topP: 0.6 }).map((q) => q > 0)).toEqual([true, true, false]);
    expect(draw(logits, { topP: 0.5 }).map((q) => q > 0)).toEqual([true, false, false]);
  });

  it('is greedy at temperature 0 (first index on ties)', () => {
    expect(sampleLogits([1, 7, 7], { temperature: 0 }, new SeededRandom(0))).toBe(1);
    expect(argmax([-1, -2])).toBe(0);
  });
});
