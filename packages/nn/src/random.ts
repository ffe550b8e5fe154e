// Normal samples for initialisation, from the seeded generator of @scratchgpt/data (its one home).
import type { SeededRandom } from '@scratchgpt/data';

/** `n` samples of N(mean, std²) from a seeded generator (Box–Muller), as float32. */
export function randn(rng: SeededRandom, n: number, std = 1, mean = 0): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - rng.nextFloat(); // (0, 1]: log(u) is finite
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * rng.nextFloat();
    out[i] = mean + std * r * Math.cos(theta);
    if (i + 1 < n) out[i + 1] = mean + std * r * Math.sin(theta);
  }
  return out;
}
