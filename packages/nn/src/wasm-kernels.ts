// Kernels the tfjs wasm backend (4.22) lacks, registered for 'wasm' from tfjs-core alone.
//
// UnsortedSegmentSum is what tf.gather's gradient calls (GatherV2_grad → unsortedSegmentSum),
// so without it every embedding backward pass on wasm throws
// "'UnsortedSegmentSum' not yet implemented or not found in the registry".
//
// Nothing here imports @tensorflow/tfjs-backend-wasm (only a devDependency of this package):
// the kernel is registered by name and looks the wasm backend's own kernels (ScatterNd,
// Reshape, GatherV2) up in tfjs-core's registry when it runs, so it can be registered before,
// or entirely without, the wasm backend being loaded. The backend object is typed
// structurally (WasmBackendLike) with just the methods this file calls.
import {
  getKernel,
  registerKernel,
  UnsortedSegmentSum,
  util,
  type DataId,
  type DataType,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
  type UnsortedSegmentSumAttrs,
} from '@tensorflow/tfjs-core';

const BACKEND = 'wasm';

/** The part of tfjs-backend-wasm's BackendWasm this file relies on. */
interface WasmBackendLike {
  readSync(dataId: DataId): Float32Array | Int32Array | Uint8Array | Uint8Array[];
  disposeData(dataId: DataId, force?: boolean): boolean;
  /** Allocates on the wasm heap; with `values`, copies them in. */
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number, values?: Int32Array): TensorInfo;
}

type KernelArgs = Parameters<KernelFunc>[0];

function wasmKernel(name: string): KernelFunc {
  // getKernel is typed as always returning a config but returns undefined when none is registered.
  const config = getKernel(name, BACKEND) as KernelConfig | undefined;
  if (config === undefined) {
    throw new Error(`UnsortedSegmentSum (wasm): the wasm backend's '${name}' kernel is not registered`);
  }
  return config.kernelFunc;
}

function run(name: string, inputs: NamedTensorInfoMap, backend: WasmBackendLike, attrs: NamedAttrMap = {}): TensorInfo {
  const out = wasmKernel(name)({ inputs, backend, attrs });
  if (Array.isArray(out)) throw new Error(`UnsortedSegmentSum (wasm): '${name}' returned several outputs`);
  return out;
}

function isBackendWasm(backend: unknown): backend is WasmBackendLike {
  const b = backend as Partial<Record<keyof WasmBackendLike, unknown>> | null;
  return (
    typeof b === 'object' &&
    b !== null &&
    typeof b.readSync === 'function' &&
    typeof b.disposeData === 'function' &&
    typeof b.makeOutput === 'function'
  );
}

/**
 * TF's UnsortedSegmentSum: `out[s] = Σ x[i] over i with segmentIds[i] == s`, output shape
 * `[numSegments, ...x.shape.slice(segmentIds.rank)]`, dtype of x; ids outside
 * [0, numSegments) contribute nothing (as in tfjs-backend-cpu, whose mask never matches them).
 *
 * Approach: the wasm backend's own ScatterNd, which zero-fills its output and *sums* updates
 * that hit the same index — exactly a segment sum with `indices = segmentIds` as [N] (slice
 * rank 1) and `updates = x` as [N, ...inner], all in C++ on the wasm heap. ScatterNd does no
 * bounds checking though (an out-of-range index would write outside the output buffer into the
 * wasm heap), so the ids are first read with readSync (N int32s, cheap next to the data) and
 * validated. In the common case (every id valid, as in tf.gather's gradient) they go to
 * ScatterNd as they are, only reshaped (a refcount bump, no copy); otherwise only the valid
 * ids are kept and the matching rows of x are picked out with the backend's GatherV2 first.
 */
function unsortedSegmentSumWasm({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  if (!isBackendWasm(backend)) {
    throw new Error('UnsortedSegmentSum (wasm): expected the tfjs wasm backend');
  }
  const { x, segmentIds } = inputs;
  if (x === undefined || segmentIds === undefined) {
    throw new Error('UnsortedSegmentSum (wasm): inputs x and segmentIds are required');
  }
  const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
  if (!Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(`UnsortedSegmentSum (wasm): numSegments must be a non-negative integer, got ${numSegments}`);
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`UnsortedSegmentSum (wasm): unsupported dtype ${x.dtype} (float32 or int32 only)`);
  }

  const segRank = segmentIds.shape.length;
  const outerShape = x.shape.slice(0, segRank);
  if (!util.arraysEqual(outerShape, segmentIds.shape)) {
    throw new Error(`UnsortedSegmentSum (wasm): segmentIds shape [${segmentIds.shape}] must be a prefix of x's shape [${x.shape}]`);
  }
  const innerShape = x.shape.slice(segRank);
  const outShape = [numSegments, ...innerShape];
  const numIds = util.sizeFromShape(segmentIds.shape);

  // Which ids may go to ScatterNd unchanged?
  const ids = backend.readSync(segmentIds.dataId) as ArrayLike<number>; // numeric dtype: never string bytes
  let numValid = 0;
  for (let i = 0; i < numIds; i++) {
    const id = ids[i] as number;
    if (Number.isInteger(id) && id >= 0 && id < numSegments) numValid++;
  }

  const intermediates: TensorInfo[] = [];
  try {
    let indices: TensorInfo;
    let updates: TensorInfo;
    if (numValid === numIds && segmentIds.dtype === 'int32') {
      indices = run('Reshape', { x: segmentIds }, backend, { shape: [numIds] });
      intermediates.push(indices);
      updates = run('Reshape', { x }, backend, { shape: [numIds, ...innerShape] });
      intermediates.push(updates);
    } else {
      const keptIds = new Int32Array(numValid);
      const keptRows = new Int32Array(numValid);
      for (let i = 0, k = 0; i < numIds; i++) {
        const id = ids[i] as number;
        if (Number.isInteger(id) && id >= 0 && id < numSegments) {
          keptIds[k] = id;
          keptRows[k] = i;
          k++;
        }
      }
      indices = backend.makeOutput([numValid], 'int32', undefined, keptIds);
      intermediates.push(indices);
      if (numValid === 0) {
        // Nothing to add: ScatterNd with no updates just zero-fills the output.
        updates = backend.makeOutput([0, ...innerShape], x.dtype);
        intermediates.push(updates);
      } else {
        const rows = backend.makeOutput([numValid], 'int32', undefined, keptRows);
        intermediates.push(rows);
        const flatX = run('Reshape', { x }, backend, { shape: [numIds, ...innerShape] });
        intermediates.push(flatX);
        updates = run('GatherV2', { x: flatX, indices: rows }, backend, { axis: 0, batchDims: 0 });
        intermediates.push(updates);
      }
    }
    // Sums rows sharing an index into a zero-filled [numSegments, ...inner] output of x's dtype.
    return run('ScatterNd', { indices, updates }, backend, { shape: outShape });
  } finally {
    for (const t of intermediates) backend.disposeData(t.dataId);
  }
}

/**
 * Registers, for the 'wasm' backend, the kernels tfjs-backend-wasm 4.22 lacks
 * (currently UnsortedSegmentSum, needed by tf.gather's gradient). Idempotent, and leaves
 * alone any implementation already registered (e.g. by a future tfjs-backend-wasm).
 */
export function registerWasmKernels(): void {
  if ((getKernel(UnsortedSegmentSum, BACKEND) as KernelConfig | undefined) === undefined) {
    registerKernel({ kernelName: UnsortedSegmentSum, backendName: BACKEND, kernelFunc: unsortedSegmentSumWasm });
  }
}
