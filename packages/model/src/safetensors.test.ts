import { describe, expect, it } from 'vitest';
import { MAX_SAFETENSORS_HEADER_BYTES, parseSafetensors, serializeSafetensors } from './safetensors';

const hex = (s: string): Uint8Array => new Uint8Array(s.match(/../g)!.map((b) => parseInt(b, 16)));

/** Builds a file by hand from the spec: u64 LE header length, header text as given (unpadded), data. */
function file(header: unknown, data: Uint8Array | number = 0): Uint8Array {
  const text = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + text.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(body, 8 + text.length);
  return out;
}

const f32 = (shape: number[], offsets: [number, number]) => ({ dtype: 'F32', shape, data_offsets: offsets });

// Generated independently with Python's struct module:
//   h = b'{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'
//   (struct.pack('<Q', len(h)) + h + struct.pack('<2f', 1.0, -2.0)).hex()
// The 54-byte header is unpadded, so the data starts at byte 62: not 4-byte aligned.
const GOLDEN_F32 =
  '36000000000000007b2278223a7b226474797065223a22463332222c227368617065223a5b325d2c22646174615f6f666673657473223a5b302c385d7d7d0000803f000000c0';

// Python struct, header json.dumps(..., separators=(',', ':')) with __metadata__ {"format": "pt"} then:
//   h F16 [2,3] = pack('<6H', 0x3C00, 0xC000, 0x7BFF, 0x0001, 0x7C00, 0x7E00)
//   b BF16 [3] = pack('<3H', 0x3F80, 0xC000, 0x4049);  d F64 [2] = pack('<2d', 0.1, -3.5)
//   i I32 [2,1] = pack('<2i', -7, 2**31 - 1);  l I64 [2] = pack('<2q', -2**40, 5);  s F32 [] = pack('<f', 0.5)
// The 365-byte header puts the data at an odd byte offset.
const GOLDEN_MIXED =
  '6d010000000000007b225f5f6d657461646174615f5f223a7b22666f726d6174223a227074227d2c2268223a7b226474797065223a22463136222c227368617065223a5b322c335d2c22646174615f6f666673657473223a5b302c31325d7d2c2262223a7b226474797065223a2242463136222c227368617065223a5b335d2c22646174615f6f666673657473223a5b31322c31385d7d2c2264223a7b226474797065223a22463634222c227368617065223a5b325d2c22646174615f6f666673657473223a5b31382c33345d7d2c2269223a7b226474797065223a22493332222c227368617065223a5b322c315d2c22646174615f6f666673657473223a5b33342c34325d7d2c226c223a7b226474797065223a22493634222c227368617065223a5b325d2c22646174615f6f666673657473223a5b34322c35385d7d2c2273223a7b226474797065223a22463332222c227368617065223a5b5d2c22646174615f6f666673657473223a5b35382c36325d7d7d' +
  '003c00c0ff7b0100007c007e803f00c049409a9999999999b93f0000000000000cc0f9ffffffffffff7f0000000000ffffff05000000000000000000003f';

describe('parseSafetensors', () => {
  it('reads a hand-built golden F32 file whose data is not 4-byte aligned', () => {
    const { tensors, metadata } = parseSafetensors(hex(GOLDEN_F32));
    expect(metadata).toEqual({});
    expect([...tensors.keys()]).toEqual(['x']);
    const x = tensors.get('x')!;
    expect(x.dtype).toBe('F32');
    expect(x.shape).toEqual([2]);
    expect(Array.from(x.data)).toEqual([1, -2]);
  });

  it('reads from a Uint8Array view at an odd offset into a larger buffer', () => {
    const bytes = hex(GOLDEN_F32);
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 1);
    expect(Array.from(parseSafetensors(big.subarray(1, 1 + bytes.length)).tensors.get('x')!.data)).toEqual([1, -2]);
  });

  it('decodes F16 (normal, max, subnormal, inf, NaN), BF16, F64, I32, I64 and a scalar', () => {
    const { tensors, metadata } = parseSafetensors(hex(GOLDEN_MIXED));
    expect(metadata).toEqual({ format: 'pt' });
    expect([...tensors.keys()]).toEqual(['h', 'b', 'd', 'i', 'l', 's']);
    const h = tensors.get('h')!;
    expect(h.dtype).toBe('F16');
    expect(h.shape).toEqual([2, 3]);
    expect(Array.from(h.data.subarray(0, 5))).toEqual([1, -2, 65504, Math.fround(2 ** -24), Infinity]);
    expect(h.data[3]).toBeCloseTo(5.96e-8, 10);
    expect(Number.isNaN(h.data[5])).toBe(true);
    expect(tensors.get('b')).toEqual({ dtype: 'BF16', shape: [3], data: new Float32Array([1, -2, 3.140625]) });
    expect(Array.from(tensors.get('d')!.data)).toEqual([Math.fround(0.1), -3.5]);
    expect(tensors.get('i')).toEqual({ dtype: 'I32', shape: [2, 1], data: new Float32Array([-7, 2 ** 31]) });
    expect(Array.from(tensors.get('l')!.data)).toEqual([-(2 ** 40), 5]);
    expect(tensors.get('s')).toEqual({ dtype: 'F32', shape: [], data: new Float32Array([0.5]) });
  });

  it('decodes F16 negative zero, negative infinity and the largest subnormal', () => {
    const data = new Uint8Array(new Uint16Array([0x8000, 0xfc00, 0x03ff]).buffer);
    const t = parseSafetensors(file({ t: { dtype: 'F16', shape: [3], data_offsets: [0, 6] } }, data)).tensors.get('t')!;
    expect(Object.is(t.data[0], -0)).toBe(true);
    expect(t.data[1]).toBe(-Infinity);
    expect(t.data[2]).toBe(Math.fround(1023 * 2 ** -24));
  });

  const cases: [string, Uint8Array, string][] = [
    ['a file under 8 bytes', new Uint8Array(5), 'file is 5 bytes, shorter than the 8-byte header length'],
    ['a header length past the end', file('{}').subarray(0, 9), 'header length 2 runs past the end of the 9-byte file'],
    [
      'a huge header length',
      hex('ffffffffffffffff7b7d'),
      'header length 18446744073709551615 is over the limit of 100,000,000 bytes (MAX_SAFETENSORS_HEADER_BYTES',
    ],
    [
      'a header length just over the limit, before the file is read',
      hex('01e1f505000000007b7d'),
      'header length 100000001 is over the limit of 100,000,000 bytes',
    ],
    ['invalid JSON', file('{"x": '), 'header is not valid UTF-8 JSON'],
    ['invalid UTF-8', hex('0200000000000000ff7d'), 'header is not valid UTF-8 JSON'],
    ['a JSON array header', file('[1, 2]'), 'header must be a JSON object'],
    ['a non-object tensor entry', file({ x: 3 }), 'tensor "x" must map to an object'],
    [
      'an unknown dtype',
      file({ x: { dtype: 'U8', shape: [1], data_offsets: [0, 1] } }, 1),
      'tensor "x" has unsupported dtype "U8"; supported dtypes are F32, F16, BF16, F64, I32, I64',
    ],
    ['a prototype dtype name', file({ x: { dtype: 'toString', shape: [], data_offsets: [0, 4] } }, 4), 'unsupported dtype "toString"'],
    ['a negative dimension', file({ x: f32([-1], [0, 0]) }), 'tensor "x" has shape [-1]; every dimension must be a non-negative integer'],
    ['a fractional dimension', file({ x: f32([1.5], [0, 6]) }, 6), 'every dimension must be a non-negative integer'],
    [
      'a shape of more elements than a number holds exactly',
      file({ x: f32([2 ** 26, 2 ** 26, 2 ** 26], [0, 4]) }, 4),
      'tensor "x" has shape [67108864,67108864,67108864] of more than 2^53 elements',
    ],
    ['a missing shape', file({ x: { dtype: 'F32', data_offsets: [0, 4] } }, 4), 'shape must be an array of non-negative integers'],
    [
      'malformed data_offsets',
      file({ x: f32([1], [4, 0] as [number, number]) }, 4),
      'tensor "x" has data_offsets [4,0]; expected [begin, end] with integers 0 <= begin <= end',
    ],
    [
      'data_offsets past the data',
      file({ x: f32([2], [0, 8]) }, 4),
      'tensor "x" has data_offsets [0, 8] but the data section is only 4 bytes',
    ],
    [
      'a size mismatch',
      file({ x: f32([2, 2], [0, 12]) }, 12),
      'safetensors: tensor "x" has data_offsets [0, 12] but shape [2, 2] of F32 needs 16 bytes',
    ],
    [
      'overlapping tensors',
      file({ a: f32([2], [0, 8]), b: f32([2], [4, 12]) }, 12),
      'tensor "b" at bytes [4, 12] overlaps tensor "a", which ends at byte 8',
    ],
    [
      'a hole between tensors',
      file({ a: f32([1], [0, 4]), b: f32([1], [8, 12]) }, 12),
      'bytes [4, 8] of the data section, before tensor "b", belong to no tensor; the spec allows no holes',
    ],
    ['a hole at the start', file({ a: f32([1], [4, 8]) }, 8), 'bytes [0, 4] of the data section, before tensor "a", belong to no tensor'],
    ['trailing unindexed bytes', file({ a: f32([1], [0, 4]) }, 6), 'the last 2 bytes of the data section belong to no tensor'],
    ['non-string metadata', file({ __metadata__: { epoch: 3 } }), '__metadata__ must be an object whose values are all strings'],
  ];
  it.each(cases)('rejects %s', (_, bytes, message) => {
    expect(() => parseSafetensors(bytes)).toThrow(message);
  });

  it('bounds the header: MAX_SAFETENSORS_HEADER_BYTES by default, maxHeaderBytes to change it', () => {
    expect(MAX_SAFETENSORS_HEADER_BYTES).toBe(100_000_000); // the reference implementation's limit
    const bytes = hex(GOLDEN_F32); // a 54-byte header
    expect(() => parseSafetensors(bytes, { maxHeaderBytes: 53 })).toThrow(
      'safetensors: header length 54 is over the limit of 53 bytes (MAX_SAFETENSORS_HEADER_BYTES unless maxHeaderBytes is given); the file is damaged or not a .safetensors file, or pass a larger maxHeaderBytes',
    );
    expect(parseSafetensors(bytes, { maxHeaderBytes: 54 }).tensors.size).toBe(1);
  });
});

describe('serializeSafetensors', () => {
  const tensors: [string, { shape: number[]; data: Float32Array }][] = [
    ['wte.weight', { shape: [3, 2], data: new Float32Array([1, 2, 3, -4, 0.5, 1e-30]) }],
    ['scale', { shape: [], data: new Float32Array([Math.PI]) }],
    ['empty', { shape: [0, 4], data: new Float32Array(0) }],
    ['bias', { shape: [3], data: new Float32Array([-0, Infinity, NaN]) }],
  ];

  it('round-trips several tensors, a scalar and an empty tensor, in order, with metadata', () => {
    const metadata = { format: 'pt', note: 'ünïcode "quoted"' };
    const back = parseSafetensors(serializeSafetensors(tensors, metadata));
    expect(back.metadata).toEqual(metadata);
    expect([...back.tensors.keys()]).toEqual(['wte.weight', 'scale', 'empty', 'bias']);
    for (const [name, { shape, data }] of tensors) {
      expect(back.tensors.get(name)).toEqual({ dtype: 'F32', shape, data });
    }
    expect(back.tensors.get('scale')!.data[0]).toBe(Math.fround(Math.PI));
    expect(Object.is(back.tensors.get('bias')!.data[0], -0)).toBe(true);
  });

  it('writes an 8-byte length, a space-padded header a multiple of 8 long, then packed F32 data', () => {
    const bytes = serializeSafetensors(tensors);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = Number(view.getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text.trimEnd().endsWith('}')).toBe(true);
    expect(text.slice(text.trimEnd().length)).toMatch(/^ {0,7}$/);
    expect(JSON.parse(text)).toEqual({
      'wte.weight': { dtype: 'F32', shape: [3, 2], data_offsets: [0, 24] },
      scale: { dtype: 'F32', shape: [], data_offsets: [24, 28] },
      empty: { dtype: 'F32', shape: [0, 4], data_offsets: [28, 28] },
      bias: { dtype: 'F32', shape: [3], data_offsets: [28, 40] },
    });
    expect(bytes.length).toBe(8 + n + 40);
    expect(view.getFloat32(8 + n + 12, true)).toBe(-4);
    expect(view.getFloat32(8 + n + 24, true)).toBe(Math.fround(Math.PI));
  });

  it('writes the golden file byte for byte, bar the header padding', () => {
    const bytes = serializeSafetensors([['x', { shape: [2], data: new Float32Array([1, -2]) }]]);
    const golden = hex(GOLDEN_F32);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([56, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(bytes.subarray(8, 62))).toEqual(Array.from(golden.subarray(8, 62)));
    expect(Array.from(bytes.subarray(62, 64))).toEqual([0x20, 0x20]);
    expect(Array.from(bytes.subarray(64))).toEqual(Array.from(golden.subarray(62)));
  });

  it('writes an empty file with no tensors and no metadata', () => {
    const bytes = serializeSafetensors([]);
    expect(new TextDecoder().decode(bytes.subarray(8))).toBe('{}      ');
    expect(parseSafetensors(bytes)).toEqual({ tensors: new Map(), metadata: {} });
  });

  it('rejects data that does not match the shape', () => {
    expect(() => serializeSafetensors([['w', { shape: [2, 2], data: new Float32Array(3) }]])).toThrow(
      'tensor "w" has 3 values but shape [2, 2] needs 4',
    );
    expect(() => serializeSafetensors([['s', { shape: [], data: new Float32Array(0) }]])).toThrow('has 0 values but shape [] needs 1');
  });

  it('rejects duplicate and reserved names, bad shapes and non-string metadata', () => {
    const one = { shape: [1], data: new Float32Array(1) };
    expect(() =>
      serializeSafetensors([
        ['a', one],
        ['a', one],
      ]),
    ).toThrow('duplicate tensor name "a"');
    expect(() => serializeSafetensors([['__metadata__', one]])).toThrow('"__metadata__" is reserved');
    expect(() => serializeSafetensors([['a', { shape: [-1], data: new Float32Array(0) }]])).toThrow(
      'every dimension must be a non-negative integer',
    );
    const bad = { step: 3 } as unknown as Record<string, string>;
    expect(() => serializeSafetensors([], bad)).toThrow('__metadata__ value for "step" is number; metadata values must be strings');
  });
});
