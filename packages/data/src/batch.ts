import type { TokenArray } from './token-array';

/** The one tfjs function {@link Batch.toTensors} needs; `@tensorflow/tfjs-core` provides it. */
export interface Tensor2dFactory<T> {
  tensor2d(values: Int32Array, shape: [number, number], dtype: 'int32'): T;
}

/** A batch of inputs and next-token targets, row-major `[batchSize, blockSize]` int32. */
export class Batch {
  constructor(
    /** Inputs, `[batchSize, blockSize]` row-major. */
    readonly x: Int32Array,
    /** Targets (inputs shifted by one), same shape. */
    readonly y: Int32Array,
    readonly batchSize: number,
    readonly blockSize: number,
  ) {}

  get shape(): [number, number] {
    return [this.batchSize, this.blockSize];
  }

  /** Row `b` of the inputs and targets (views). */
  row(b: number): { x: Int32Array; y: Int32Array } {
    const T = this.blockSize;
    return { x: this.x.subarray(b * T, (b + 1) * T), y: this.y.subarray(b * T, (b + 1) * T) };
  }

  /** Both halves as int32 tensors of shape `[batchSize, blockSize]`; pass your `tf` (e.g. tfjs-core). */
  toTensors<T>(tf: Tensor2dFactory<T>): { x: T; y: T } {
    return { x: tf.tensor2d(this.x, this.shape, 'int32'), y: tf.tensor2d(this.y, this.shape, 'int32') };
  }

  /** An empty batch to fill. */
  static empty(batchSize: number, blockSize: number): Batch {
    return new Batch(new Int32Array(batchSize * blockSize), new Int32Array(batchSize * blockSize), batchSize, blockSize);
  }

  /** Copies the window of `ids` at `start` into row `b`: inputs `[start, start+T)`, targets one later. */
  setRow(b: number, ids: TokenArray, start: number): void {
    const T = this.blockSize;
    this.x.set(ids.subarray(start, start + T), b * T);
    this.y.set(ids.subarray(start + 1, start + 1 + T), b * T);
  }
}
