/**
 * A small, dependency-free reader and writer for the safetensors format
 * (https://github.com/huggingface/safetensors): an 8-byte little-endian u64 header length N, N bytes
 * of UTF-8 JSON mapping each tensor name to `{dtype, shape, data_offsets: [begin, end]}` (offsets
 * relative to the data section) plus an optional `__metadata__` string-to-string map, then the raw
 * little-endian, row-major tensor bytes, which the tensors must tile with no holes or overlaps.
 *
 * Reads F32, F16, BF16, F64, I32 and I64 into plain Float32Arrays; writes F32 only. A file is
 * untrusted input: the header is bounded ({@link MAX_SAFETENSORS_HEADER_BYTES}) before it is
 * decoded, every tensor's dtype, shape and byte span are checked against each other and the file,
 * and nothing is converted until the whole header has passed, so a bad file costs no more memory
 * than its own bytes (at most twice that for the F32 copies of F16/BF16 data).
 * Non-goals: other dtypes (BOOL, U8, I8, F8_*, ...), lazy or memory-mapped loading, streaming,
 * zero-copy views, and keeping F64/I64 precision (both are narrowed to float32).
 */

/** The dtypes this reader understands (safetensors spells them in upper case). */
export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I32' | 'I64';

/** One tensor read from a safetensors file. */
export interface SafetensorsTensor {
  /** The dtype stored in the file. */
  dtype: SafetensorsDtype;
  /** Dimensions, row-major; `[]` is a scalar (one element). */
  shape: number[];
  /** values converted to float32 (I64 via Number) */
  data: Float32Array;
}

/** The tensors of a safetensors file, in header order, and its `__metadata__` (`{}` if absent). */
export interface SafetensorsFile {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/**
 * The largest header, in bytes, that {@link parseSafetensors} reads unless told otherwise: the limit
 * of the reference implementation (huggingface/safetensors), far above any real model's header (GPT-2's
 * is 15 KB), so a stranger's 8-byte length cannot make a reader decode gigabytes of "JSON".
 */
export const MAX_SAFETENSORS_HEADER_BYTES = 100_000_000;

/** Options of {@link parseSafetensors}. */
export interface ParseSafetensorsOptions {
  /** The largest header to read, in bytes. Default {@link MAX_SAFETENSORS_HEADER_BYTES}. */
  maxHeaderBytes?: number;
}

const BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I32: 4, I64: 8 };
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const scratch = new DataView(new ArrayBuffer(4));

/** IEEE half precision bits to a number: subnormals, ±inf and NaN included. */
function f16(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1024 + frac) * 2 ** (exp - 25);
}

const READ: Record<SafetensorsDtype, (v: DataView, i: number) => number> = {
  F32: (v, i) => v.getFloat32(i * 4, true),
  F16: (v, i) => f16(v.getUint16(i * 2, true)),
  BF16: (v, i) => {
    scratch.setUint32(0, v.getUint16(i * 2, true) << 16); // the top half of a float32
    return scratch.getFloat32(0);
  },
  F64: (v, i) => v.getFloat64(i * 8, true),
  I32: (v, i) => v.getInt32(i * 4, true),
  I64: (v, i) => Number(v.getBigInt64(i * 8, true)),
};

function fail(message: string): never {
  throw new Error(`safetensors: ${message}`);
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const q = (name: string): string => JSON.stringify(name);
const dims = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** Checks a shape and returns its element count (1 for the scalar shape `[]`). */
function elementCount(shape: unknown, what: string): number {
  if (!Array.isArray(shape))
    fail(`${what} has shape ${JSON.stringify(shape)}; shape must be an array of non-negative integers ([] for a scalar)`);
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      fail(`${what} has shape ${JSON.stringify(shape)}; every dimension must be a non-negative integer`);
    }
    n *= d;
  }
  if (!Number.isSafeInteger(n))
    fail(`${what} has shape ${JSON.stringify(shape)} of more than 2^53 elements; no file holds that many values`);
  return n;
}

/**
 * Parses a .safetensors file (8-byte little-endian u64 header length, JSON header, then raw
 * little-endian data); the error names what is wrong (a header over `maxHeaderBytes`, a dtype, a
 * shape, offsets outside the data, a byte span that is not shape × dtype size, overlaps, holes).
 */
export function parseSafetensors(bytes: Uint8Array, options: ParseSafetensorsOptions = {}): SafetensorsFile {
  const maxHeaderBytes = options.maxHeaderBytes ?? MAX_SAFETENSORS_HEADER_BYTES;
  if (!Number.isSafeInteger(maxHeaderBytes) || maxHeaderBytes < 0)
    fail(`maxHeaderBytes must be a non-negative integer, got ${maxHeaderBytes}`);
  if (bytes.length < 8)
    fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length; it is truncated or not a .safetensors file`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(maxHeaderBytes)) {
    fail(
      `header length ${headerLength} is over the limit of ${maxHeaderBytes.toLocaleString('en-US')} bytes (MAX_SAFETENSORS_HEADER_BYTES unless maxHeaderBytes is given); the file is damaged or not a .safetensors file, or pass a larger maxHeaderBytes`,
    );
  }
  if (headerLength > BigInt(bytes.length - 8)) {
    fail(`header length ${headerLength} runs past the end of the ${bytes.length}-byte file; it is truncated or not a .safetensors file`);
  }
  const dataStart = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${(e as Error).message}); the file is corrupt or not a .safetensors file`);
  }
  if (!isObject(header)) fail('header must be a JSON object mapping tensor names to {dtype, shape, data_offsets}');
  const data = bytes.subarray(dataStart);

  const rawMeta = header.__metadata__ ?? {};
  if (!isObject(rawMeta) || !Object.values(rawMeta).every((v) => typeof v === 'string')) {
    fail('__metadata__ must be an object whose values are all strings');
  }
  const metadata = Object.fromEntries(Object.entries(rawMeta)) as Record<string, string>;

  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const what = `tensor ${q(name)}`;
    if (!isObject(info)) fail(`${what} must map to an object {dtype, shape, data_offsets}`);
    const { dtype, shape, data_offsets: offsets } = info;
    if (typeof dtype !== 'string' || !Object.hasOwn(BYTES, dtype)) {
      fail(`${what} has unsupported dtype ${JSON.stringify(dtype)}; supported dtypes are ${Object.keys(BYTES).join(', ')}`);
    }
    const n = elementCount(shape, what);
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1]
    ) {
      fail(`${what} has data_offsets ${JSON.stringify(offsets)}; expected [begin, end] with integers 0 <= begin <= end`);
    }
    const [begin, end] = offsets as [number, number];
    const type = dtype as SafetensorsDtype;
    if (end > data.length) {
      fail(
        `${what} has data_offsets [${begin}, ${end}] but the data section is only ${data.length} bytes; the file is truncated or its header is wrong`,
      );
    }
    if (end - begin !== n * BYTES[type]) {
      fail(`${what} has data_offsets [${begin}, ${end}] but shape ${dims(shape as number[])} of ${type} needs ${n * BYTES[type]} bytes`);
    }
    entries.push({ name, dtype: type, shape: [...(shape as number[])], begin, end });
  }

  // The spec's data section is fully indexed: tensors sorted by offset must be back to back.
  let cursor = 0;
  let previous = 'the start of the data section';
  for (const t of [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end)) {
    if (t.begin < cursor)
      fail(
        `tensor ${q(t.name)} at bytes [${t.begin}, ${t.end}] overlaps ${previous}, which ends at byte ${cursor}; every data byte must belong to exactly one tensor`,
      );
    if (t.begin > cursor)
      fail(
        `bytes [${cursor}, ${t.begin}] of the data section, before tensor ${q(t.name)}, belong to no tensor; the spec allows no holes, so pack tensors back to back`,
      );
    cursor = t.end;
    previous = `tensor ${q(t.name)}`;
  }
  if (cursor !== data.length) {
    fail(
      `the last ${data.length - cursor} bytes of the data section belong to no tensor; the spec allows no holes (is a tensor missing from the header?)`,
    );
  }

  const tensors = new Map<string, SafetensorsTensor>();
  for (const { name, dtype, shape, begin, end } of entries) {
    const n = (end - begin) / BYTES[dtype];
    let values: Float32Array;
    if (dtype === 'F32' && LITTLE_ENDIAN) {
      values = new Float32Array(data.slice(begin, end).buffer); // slice copies to an aligned buffer
    } else {
      const view = new DataView(data.buffer, data.byteOffset + begin, end - begin);
      values = new Float32Array(n);
      for (let i = 0; i < n; i++) values[i] = READ[dtype](view, i);
    }
    tensors.set(name, { dtype, shape, data: values });
  }
  return { tensors, metadata };
}

/** Writes float32 tensors as a .safetensors file, F32 dtype, tensors laid out in the order given, header padded with spaces to a multiple of 8 bytes, optional __metadata__ (string values only). */
export function serializeSafetensors(
  tensors: Iterable<[string, { shape: number[]; data: Float32Array }]>,
  metadata?: Record<string, string>,
): Uint8Array {
  const fields: string[] = [];
  if (metadata !== undefined) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string')
        fail(`__metadata__ value for ${q(key)} is ${typeof value}; metadata values must be strings (JSON.stringify them first)`);
    }
    fields.push(`"__metadata__":${JSON.stringify(metadata)}`);
  }
  const names = new Set<string>();
  const parts: Float32Array[] = [];
  let offset = 0;
  for (const [name, { shape, data }] of tensors) {
    const what = `tensor ${q(name)}`;
    if (name === '__metadata__') fail('the name "__metadata__" is reserved for file metadata; rename the tensor');
    if (names.has(name)) fail(`duplicate tensor name ${q(name)}; every tensor needs a unique name`);
    names.add(name);
    const n = elementCount(shape, what);
    if (data.length !== n) fail(`${what} has ${data.length} values but shape ${dims(shape)} needs ${n}; reshape or fix the data`);
    fields.push(`${q(name)}:${JSON.stringify({ dtype: 'F32', shape, data_offsets: [offset, offset + data.byteLength] })}`);
    offset += data.byteLength;
    parts.push(data);
  }

  const header = new TextEncoder().encode(`{${fields.join(',')}}`);
  const headerLength = Math.ceil(header.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(header, 8);
  out.fill(0x20, 8 + header.length, 8 + headerLength);
  let pos = 8 + headerLength;
  for (const data of parts) {
    if (LITTLE_ENDIAN) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pos);
    else for (const [i, x] of data.entries()) view.setFloat32(pos + 4 * i, x, true);
    pos += data.byteLength;
  }
  return out;
}
