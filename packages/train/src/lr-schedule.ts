/** nanoGPT's learning-rate schedule: linear warmup, cosine decay, then a floor. */
export interface CosineScheduleOptions {
  /** Peak learning rate, reached at the end of warmup. */
  lr: number;
  /** Steps of linear warmup. Default 0. */
  warmupIters?: number;
  /** Step at which the decay reaches `minLr`. */
  decayIters: number;
  /** The floor. Default `lr / 10` (Chinchilla, nanoGPT). */
  minLr?: number;
}

/** Returns `lrAt(step)`, exactly nanoGPT's `get_lr(it)`. */
export function cosineSchedule(options: CosineScheduleOptions): (step: number) => number {
  const { lr, warmupIters = 0, decayIters, minLr = lr / 10 } = options;
  if (!(lr > 0) || !(minLr >= 0) || minLr > lr) throw new RangeError(`cosineSchedule: need 0 ≤ minLr (${minLr}) ≤ lr (${lr}) and lr > 0.`);
  if (!(decayIters >= warmupIters))
    throw new RangeError(`cosineSchedule: decayIters (${decayIters}) must be at least warmupIters (${warmupIters}).`);
  return (step) => {
    if (step < warmupIters) return (lr * (step + 1)) / (warmupIters + 1);
    if (step > decayIters) return minLr;
    const ratio = decayIters === warmupIters ? 1 : (step - warmupIters) / (decayIters - warmupIters);
    return minLr + 0.5 * (1 + Math.cos(Math.PI * ratio)) * (lr - minLr);
  };
}
