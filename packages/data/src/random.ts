/**
 * A small seeded random number generator (xoshiro128**, seeded through splitmix32), so data
 * order is reproducible on every platform. Its state can be saved and restored for resuming.
 * Not for cryptography.
 */
/** The largest seed that means itself: seeds are 32-bit, so `MAX_SEED + 1` would be the same run as 0. */
export const MAX_SEED = 0xffff_ffff;

export class SeededRandom {
  private s: Uint32Array;

  /** `seed`: any integer; it is taken modulo 2^32. */
  constructor(seed = 0) {
    if (!Number.isInteger(seed)) throw new RangeError(`SeededRandom: seed must be an integer, got ${seed}.`);
    this.s = new Uint32Array(4);
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      // splitmix32
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  /** A generator in the given saved state. */
  static fromState(state: readonly number[]): SeededRandom {
    const rng = new SeededRandom(0);
    rng.setState(state);
    return rng;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const s0 = s[0]!;
    const s1 = s[1]!;
    const s2 = s[2]! ^ s0;
    const s3 = s[3]! ^ s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    s[0] = s0 ^ s3;
    s[1] = s1 ^ s2;
    s[2] = s2 ^ (s1 << 9);
    s[3] = rotl(s3, 11);
    return result;
  }

  /** A uniform float in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform integer in [0, n), without modulo bias. */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32)
      throw new RangeError(`SeededRandom.nextInt: n must be an integer in [1, 2^32], got ${n}.`);
    const limit = 2 ** 32 - (2 ** 32 % n); // reject the uneven tail
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** Shuffles an array in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /** The state, as four 32-bit integers. */
  getState(): number[] {
    return Array.from(this.s);
  }

  setState(state: readonly number[]): void {
    if (state.length !== 4 || state.some((x) => !Number.isInteger(x) || x < 0 || x >= 2 ** 32) || state.every((x) => x === 0)) {
      throw new RangeError('SeededRandom: a state is four 32-bit integers, not all zero.');
    }
    this.s = Uint32Array.from(state);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
