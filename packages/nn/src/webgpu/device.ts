/**
 * Starts tfjs's WebGPU backend on a device we create ourselves, in Node (through the `webgpu` npm
 * package: Google's Dawn, prebuilt inside the package) and in browsers (`navigator.gpu`).
 *
 * Why not tfjs's own start-up: it asks for the device with the *default* limits, among them 8
 * storage buffers per shader stage. A kernel with more inputs (tfjs's AddN over 8 or more
 * tensors, as in a global gradient norm) then fails validation, Dawn prints a warning, and the
 * result is **silently wrong** (measured: the norm came back as the loss value). So here:
 * 1. the adapter is chosen and said by name; a software adapter (lavapipe, SwiftShader: a CPU
 *    emulating a GPU) is refused unless asked for, because `auto` should not pick a slow "GPU";
 * 2. the device gets every limit the adapter offers;
 * 3. every GPU error (validation, out of memory, internal, device lost) is kept and thrown, by
 *    name, at the next read of a tensor: no wrong number passes silently;
 * 4. each kernel run is counted (dispatches, bytes read and written) for `gpuWork()`, which the
 *    benchmarks report per training step;
 * 5. AddN is split into sums that fit the device's storage-buffer limit (`add-n.ts`).
 *
 * `webgpu` and `@tensorflow/tfjs-backend-webgpu` are optional peers, imported only here.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerChunkedAddN } from './add-n';

/** What `startWebGPU` started on. */
export interface WebGPUAdapter {
  /** Vendor, architecture and device as the adapter reports them, e.g. "mesa llvmpipe (LLVM 19.1.7, 256 bits)". */
  description: string;
  /** A CPU emulating a GPU (lavapipe/llvmpipe, SwiftShader, or an adapter flagged as a fallback). */
  software: boolean;
  /** The storage buffers one kernel may bind (the device was created with the adapter's maximum). */
  maxStorageBuffers: number;
}

/** Options of {@link startWebGPU}. */
export interface StartWebGPUOptions {
  /** Accept a software adapter (lavapipe, SwiftShader). Default `false`: only a hardware GPU. */
  allowSoftware?: boolean;
  /** The `GPU` object to use (`navigator.gpu`); default: the browser's, or in Node the `webgpu` package's. */
  gpu?: object;
}

/** Thrown at the first read after the GPU reported an error: the values computed since are wrong. */
export class WebGPUError extends Error {
  override name = 'WebGPUError';
}

// `GPU`, `GPUAdapter`, `GPUDevice` come from @webgpu/types (a devDependency; only types).
let started: WebGPUAdapter | undefined;
/** A start under way (`startWebGPU` runs one at a time). */
let starting: Promise<WebGPUAdapter> | undefined;
const counters = { dispatches: 0, fused: 0, bytes: 0 };

/**
 * Kernel dispatches on webgpu since the last reset: all of them, those of scratchgpt's fused
 * kernels, and the bytes they read and wrote (inputs + output, 4 bytes an element).
 */
export function gpuWork(reset = false): { dispatches: number; fused: number; bytes: number } {
  const now = { ...counters };
  if (reset) counters.dispatches = counters.fused = counters.bytes = 0;
  return now;
}

/** The adapter the `webgpu` backend runs on, once `startWebGPU` has started it. */
export function webgpuAdapter(): WebGPUAdapter | undefined {
  return started;
}

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|software|microsoft basic render/i;

/** Dawn's `GPU` in Node, made once (without touching `navigator`: see `exposeGpu`). */
let dawn: Promise<GPU> | undefined;

function nodeGpu(): Promise<GPU> {
  dawn ??= (async () => {
    let mod: { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
    try {
      // A specifier bundlers do not follow: browser bundles must not pull in a Node addon.
      const specifier = 'webgpu';
      mod = (await import(/* @vite-ignore */ specifier)) as typeof mod;
    } catch (error) {
      const { code, message } = error as NodeJS.ErrnoException;
      const missing = (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && /['"]webgpu['"]/.test(message);
      throw new Error(
        missing
          ? 'WebGPU in Node needs the optional package `webgpu` (Dawn). Install it beside scratchgpt (`pnpm add webgpu@0.6.2`), or use --backend wasm.'
          : `The \`webgpu\` package (Dawn) is installed but did not load: ${message}. Reinstall it for this platform, or use --backend wasm.`,
        { cause: error },
      );
    }
    process.env.XDG_RUNTIME_DIR ??= (await import('node:os')).tmpdir(); // Mesa's Vulkan drivers expect one
    Object.assign(globalThis, mod.globals); // GPUBufferUsage, GPUMapMode, … which tfjs reads as globals
    return mod.create([]);
  })();
  dawn.catch(() => {
    dawn = undefined; // a failed load is tried again next time
  });
  return dawn;
}

/**
 * tfjs's WebGPUBackend checks `navigator.gpu` (Node 20 has no navigator; later ones have no gpu).
 * Set only once an adapter is accepted: a `navigator.gpu` left behind would let tfjs's own import
 * register its factory (default limits, no error capture) for code that never asked for webgpu.
 */
function exposeGpu(gpu: GPU): void {
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (g.navigator?.gpu === gpu) return;
  if (g.navigator === undefined) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
}

/**
 * Starts (once) and selects tfjs's `webgpu` backend. Throws, saying why and what to do, when there
 * is no WebGPU, no adapter, or only a software one that was not asked for.
 */
export async function startWebGPU(options: StartWebGPUOptions = {}): Promise<WebGPUAdapter> {
  // One start at a time: a second call while the first is under way waits for it (two devices
  // would replace each other's backend and lose its tensors).
  while (starting !== undefined) await starting.catch(() => undefined);
  if (started !== undefined) {
    if (started.software && !options.allowSoftware) throw softwareRefused(started.description);
    if (!(await tf.setBackend('webgpu'))) throw new WebGPUError('The webgpu backend did not start again.');
    return started;
  }
  starting = start(options);
  try {
    return await starting;
  } finally {
    starting = undefined;
  }
}

async function start(options: StartWebGPUOptions): Promise<WebGPUAdapter> {
  // 1. The adapter.
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  const gpu =
    (options.gpu as GPU | undefined) ??
    nav?.gpu ??
    (typeof process !== 'undefined' && process.versions?.node ? await nodeGpu() : undefined);
  if (gpu === undefined) throw new Error('This browser has no WebGPU (navigator.gpu is missing); use the wasm backend.');
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) {
    throw new NoWebGPUAdapterError(
      'WebGPU found no GPU adapter. On Linux it needs a Vulkan driver (for a CPU-only machine: Mesa >= 25 lavapipe, `bash scripts/vulkan.sh`); or use --backend wasm.',
    );
  }
  const info = adapter.info;
  const description = info.description || [info.vendor, info.architecture, info.device].filter((s) => s).join(' ') || 'unknown adapter';
  const software = (info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true || SOFTWARE.test(description);
  if (software && !options.allowSoftware) throw softwareRefused(description);

  // 2. The device, with every limit the adapter offers.
  const requiredLimits: Record<string, number> = {};
  for (const key in adapter.limits) {
    const value = (adapter.limits as unknown as Record<string, unknown>)[key];
    if (typeof value === 'number') requiredLimits[key] = value;
  }
  const requiredFeatures = (['timestamp-query'] as GPUFeatureName[]).filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });

  // 3. GPU errors are kept, and thrown at the next read.
  const errors: string[] = [];
  device.addEventListener('uncapturederror', (event) => {
    errors.push((event as GPUUncapturedErrorEvent).error.message.split('\n')[0] ?? 'unknown error');
  });
  void device.lost.then((lost) => {
    if (lost.reason !== 'destroyed') errors.push(`the GPU device was lost (${lost.message})`);
  });

  exposeGpu(gpu);
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  const backend = new WebGPUBackend(device, info);
  const check = (cause?: unknown) => {
    if (errors.length === 0) return;
    const [first, ...rest] = errors.splice(0);
    throw new WebGPUError(
      `The GPU reported an error, so the values computed since are wrong: ${first}${rest.length ? ` (and ${rest.length} more)` : ''}. ` +
        `Please report it with the adapter (${description}); meanwhile use --backend wasm.`,
      { cause },
    );
  };
  const read = backend.read.bind(backend);
  backend.read = async (dataId) => {
    let values: Awaited<ReturnType<typeof read>>;
    try {
      values = await read(dataId);
    } catch (error) {
      check(error); // a lost device or a failed map: the GPU's own error, by name, if it gave one
      throw error;
    }
    check();
    return values;
  };
  // 4. Counting the work each kernel issues.
  const run = backend.runWebGPUProgram.bind(backend);
  backend.runWebGPUProgram = (program, inputs, dtype, uniforms, output) => {
    if (program.shaderKey.startsWith('scratchgpt_')) counters.fused++; // ours (`program.ts`), before tfjs extends the key
    const result = run(program, inputs, dtype, uniforms, output);
    counters.dispatches++;
    counters.bytes += 4 * [...inputs, result].reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
    return result;
  };

  // tfjs registers its own factory (default limits) when it is imported where navigator.gpu exists.
  if (tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => backend, 3);
  if (!(await tf.setBackend('webgpu'))) throw new WebGPUError(`The webgpu backend did not start on ${description}.`);
  // 5. Sums of many tensors within the storage-buffer limit.
  const maxStorageBuffers = device.limits.maxStorageBuffersPerShaderStage;
  registerChunkedAddN(maxStorageBuffers);
  started = { description, software, maxStorageBuffers };
  return started;
}

/** Thrown by `startWebGPU` when there is WebGPU but no adapter (on Linux: no Vulkan driver). */
export class NoWebGPUAdapterError extends Error {
  override name = 'NoWebGPUAdapterError';
}

/** Thrown by `startWebGPU` when the only adapter is a software one and it was not asked for. */
export class SoftwareAdapterError extends Error {
  override name = 'SoftwareAdapterError';
}

function softwareRefused(description: string): Error {
  return new SoftwareAdapterError(
    `WebGPU's only adapter here is a software one (${description}): a CPU emulating a GPU, slower than --backend wasm. ` +
      'Use --backend wasm, or ask for webgpu by name to run on it anyway (--backend webgpu; in the library: startWebGPU({ allowSoftware: true })).',
  );
}
