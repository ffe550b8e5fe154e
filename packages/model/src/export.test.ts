import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import { EXPORT_FILES, EXPORT_LIMITS, EXPORT_MANIFEST, exportFiles, isPlainFileName, maxWeightsBytes, readExport } from './export';
import { GPT } from './gpt';
import { MAX_PARAMETERS } from './load-checks';
import { MAX_SAFETENSORS_HEADER_BYTES, parseSafetensors, serializeSafetensors } from './safetensors';

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

const config = { vocabSize: 11, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0, bias: true };
const tokenizer = {
  name: 'char',
  toJSON: () => ({ format: 'scratchgpt-tokenizer/1', type: 'char', chars: [...'abcdefghijk'], unk: false }),
};
const source = { run: 'runs/x', step: 12, valLoss: 2.5, preset: 'tiny' };

/** An export held in memory: path → bytes. */
async function exported(): Promise<Map<string, Uint8Array>> {
  const model = new GPT(config, { seed: 4 });
  const { files } = await exportFiles(model, tokenizer, source);
  model.dispose();
  return new Map(files.map((f) => [f.path, f.bytes]));
}
const reader = (files: Map<string, Uint8Array>) => async (path: string) => {
  const bytes = files.get(path);
  if (bytes === undefined) throw new Error(`no ${path}`);
  return bytes;
};

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const encode = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

/** Replaces one file of an export and lists its new size and sha256 in the manifest, as anyone can. */
function reseal(files: Map<string, Uint8Array>, key: keyof typeof EXPORT_FILES, bytes: Uint8Array): Map<string, Uint8Array> {
  const out = new Map(files).set(EXPORT_FILES[key], bytes);
  const manifest = JSON.parse(text(files.get(EXPORT_MANIFEST)!));
  manifest.files[key] = { path: EXPORT_FILES[key], bytes: bytes.length, sha256: bytesToHex(sha256(bytes)) };
  return out.set(EXPORT_MANIFEST, encode(manifest));
}

/** A manifest as JSON to edit, typed loosely: the edits make it wrong on purpose. */
interface LooseManifest {
  source: Record<string, unknown> | null;
  params: unknown;
  tokenizer: unknown;
  files: Record<keyof typeof EXPORT_FILES, Record<string, unknown>>;
}

/** The export with its manifest edited by `edit`. */
function withManifest(files: Map<string, Uint8Array>, edit: (manifest: LooseManifest) => void): Map<string, Uint8Array> {
  const manifest = JSON.parse(text(files.get(EXPORT_MANIFEST)!)) as LooseManifest;
  edit(manifest);
  return new Map(files).set(EXPORT_MANIFEST, encode(manifest));
}

/** Awaits `f`, which must reject: its message, and how many tensors were made meanwhile (0: nothing was built). */
async function refused(f: () => Promise<unknown>): Promise<{ message: string; tensors: number }> {
  const spy = vi.spyOn(tf.engine() as unknown as { trackTensor: (...args: unknown[]) => void }, 'trackTensor');
  try {
    await f();
  } catch (error) {
    return { message: (error as Error).message, tensors: spy.mock.calls.length };
  } finally {
    spy.mockRestore();
  }
  throw new Error('expected an error, got none');
}

describe('export format', () => {
  it('round-trips the model, the tokenizer JSON and the source, the manifest written last', async () => {
    const files = await exported();
    expect([...files.keys()]).toEqual(['config.json', 'model.safetensors', 'tokenizer.json', 'manifest.json']);
    const { manifest, model, tokenizerJSON } = await readExport(reader(files));
    expect(manifest.source).toEqual(source);
    expect(manifest.tokenizer).toBe('char');
    expect(JSON.parse(tokenizerJSON)).toEqual(tokenizer.toJSON());
    const original = new GPT(config, { seed: 4 });
    const ids = tf.tensor2d([[1, 2, 3]], [1, 3], 'int32');
    expect(model.forward(ids).arraySync()).toEqual(original.forward(ids).arraySync());
    expect(model.training).toBe(false);
    tf.dispose([ids]);
    model.dispose();
    original.dispose();
  });

  it('names a damaged file, a foreign manifest, and a manifest that points elsewhere', async () => {
    const files = await exported();
    const damaged = new Map(files);
    damaged.set('tokenizer.json', new TextEncoder().encode('{"format":"scratchgpt-tokenizer/1","type":"char","chars":["z"],"unk":false}'));
    await expect(readExport(reader(damaged))).rejects.toThrow(/tokenizer.json does not match manifest.json .*export the model again/);
    const foreign = new Map(files);
    foreign.set(EXPORT_MANIFEST, new TextEncoder().encode('{"format":"onnx"}'));
    await expect(readExport(reader(foreign))).rejects.toThrow('manifest.json has format "onnx", not scratchgpt-export/1');
    const manifest = JSON.parse(new TextDecoder().decode(files.get(EXPORT_MANIFEST)));
    manifest.files.weights.path = '../../secrets.bin';
    const elsewhere = new Map(files);
    elsewhere.set(EXPORT_MANIFEST, new TextEncoder().encode(JSON.stringify(manifest)));
    await expect(readExport(reader(elsewhere))).rejects.toThrow('manifest.json does not list model.safetensors as its weights file');
    const notJson = new Map(files);
    notJson.set(EXPORT_MANIFEST, new TextEncoder().encode('<html>'));
    await expect(readExport(reader(notJson))).rejects.toThrow('manifest.json is not JSON');
  });

  it('refuses a config.json that does not fit model.safetensors before building anything', async () => {
    const files = await exported();
    const config = JSON.parse(text(files.get('config.json')!));
    // The edit: 64 layers 16384 wide, with the manifest's sha256 recomputed.
    const giant = reseal(files, 'config', encode({ ...config, nLayer: 64, nEmbd: 16384 }));
    expect(await refused(() => readExport(reader(giant)))).toEqual({
      message: expect.stringContaining(
        'model.safetensors does not fit config.json: loadStateDict: tensor "transformer.wte.weight" has shape [11,16], but this config needs [11,16384]',
      ),
      tensors: 0,
    });
    // One layer more: under twice the weights the file holds.
    const deeper = reseal(files, 'config', encode({ ...config, nLayer: 2 }));
    expect(await refused(() => readExport(reader(deeper)))).toEqual({
      message: expect.stringContaining('the weights have no tensor "transformer.h.1.ln_1.weight"'),
      tensors: 0,
    });
    const notObject = reseal(files, 'config', encode('null'));
    await expect(readExport(reader(notObject))).rejects.toThrow(
      'config.json must be a JSON object (a GPTConfig), got null; export the model again with `scratchgpt export`.',
    );
    const badField = reseal(files, 'config', encode({ ...config, nLayer: -1 }));
    await expect(readExport(reader(badField))).rejects.toThrow(
      'config.json is not a valid config: GPTConfig: nLayer must be a positive integer, got -1',
    );
  });

  it('refuses NaN or infinite weights by tensor name, and a model over maxParameters', async () => {
    const files = await exported();
    const { tensors } = parseSafetensors(files.get('model.safetensors')!);
    tensors.get('transformer.h.0.attn.c_attn.weight')!.data[7] = Number.NaN;
    const nan = reseal(files, 'weights', serializeSafetensors(tensors, { format: 'pt' }));
    expect(await refused(() => readExport(reader(nan)))).toEqual({
      message: expect.stringContaining('tensor "transformer.h.0.attn.c_attn.weight" has 1 NaN or infinite values of 768'),
      tensors: 0,
    });
    const model = new GPT(config);
    expect(await refused(() => readExport(reader(files), { maxParameters: 100 }))).toEqual({
      message: expect.stringContaining(`has ${model.numParams().toLocaleString('en-US')} parameters, more than the budget of 100`),
      tensors: 0,
    });
    model.dispose();
  });

  it("bounds every file: the manifest's size, each listed size, each file's length before its sha256", async () => {
    expect(EXPORT_LIMITS).toEqual({ manifestBytes: 1024 * 1024, configBytes: 1024 * 1024, tokenizerBytes: 64 * 1024 * 1024 });
    expect(maxWeightsBytes()).toBe(8 * MAX_PARAMETERS + 8 + MAX_SAFETENSORS_HEADER_BYTES);
    const files = await exported();
    // Each read is told the most bytes it may give: the manifest's cap, then the sizes the manifest lists.
    const asked: Array<[string, number]> = [];
    const { model } = await readExport(async (path, maxBytes) => {
      asked.push([path, maxBytes]);
      return files.get(path)!;
    });
    model.dispose();
    expect(asked).toEqual([
      [EXPORT_MANIFEST, EXPORT_LIMITS.manifestBytes],
      ...['config.json', 'tokenizer.json', 'model.safetensors'].map((name) => [name, files.get(name)!.length]), // the small files first
    ]);

    const padded = new TextEncoder().encode(text(files.get(EXPORT_MANIFEST)!).padEnd(EXPORT_LIMITS.manifestBytes + 1));
    await expect(readExport(reader(new Map(files).set(EXPORT_MANIFEST, padded)))).rejects.toThrow(
      'manifest.json is 1,048,577 bytes, over the limit of 1,048,576 (EXPORT_LIMITS.manifestBytes): it is not the manifest of an export; pass the manifest.json written by `scratchgpt export`.',
    );

    // A listed size over a cap is refused before that file is read.
    const read: string[] = [];
    const tracking = (f: Map<string, Uint8Array>) => async (path: string) => {
      read.push(path);
      return f.get(path)!;
    };
    const hugeTokenizer = withManifest(files, (m) => {
      m.files.tokenizer.bytes = EXPORT_LIMITS.tokenizerBytes + 1;
    });
    await expect(readExport(tracking(hugeTokenizer))).rejects.toThrow(
      'manifest.json lists tokenizer.json as 67,108,865 bytes, over the limit of 67,108,864 (EXPORT_LIMITS.tokenizerBytes)',
    );
    expect(read).toEqual([EXPORT_MANIFEST]);
    read.length = 0;
    const hugeWeights = withManifest(files, (m) => {
      m.files.weights.bytes = maxWeightsBytes() + 1;
    });
    await expect(readExport(tracking(hugeWeights))).rejects.toThrow(
      'manifest.json lists model.safetensors as 4,100,000,009 bytes, over the limit of 4,100,000,008 for a model of at most 500,000,000 parameters (maxParameters); pass a larger maxParameters to readExport to load a model this large',
    );
    expect(read).toEqual([EXPORT_MANIFEST]);

    // A file of another length than listed is named before it is hashed.
    const longer = new Map(files).set('config.json', new Uint8Array([...files.get('config.json')!, 0x20]));
    await expect(readExport(reader(longer))).rejects.toThrow(
      `config.json does not match manifest.json (${files.get('config.json')!.length + 1} bytes; it lists ${files.get('config.json')!.length}): the files are from different exports or damaged; export the model again.`,
    );
  });

  it("checks the manifest's every field, and names only plain files", async () => {
    const files = await exported();
    const cases: Array<[(m: LooseManifest) => unknown, string]> = [
      [(m) => Object.assign(m.source!, { valLoss: 'low' }), 'manifest.json has no valid source (run, step, valLoss, preset)'],
      [(m) => Object.assign(m, { source: null }), 'manifest.json has no valid source'],
      [(m) => Object.assign(m, { params: -1 }), 'manifest.json has no valid params'],
      [(m) => Object.assign(m, { tokenizer: 7 }), 'manifest.json has no valid tokenizer name'],
      [(m) => Object.assign(m.files.config, { path: 'sub/config.json' }), 'manifest.json does not list config.json as its config file'],
      [(m) => Object.assign(m.files.config, { bytes: 1.5 }), 'manifest.json has no valid size and sha256 for config.json'],
    ];
    for (const [edit, message] of cases) await expect(readExport(reader(withManifest(files, edit)))).rejects.toThrow(message);
    for (const name of Object.values(EXPORT_FILES)) expect(isPlainFileName(name)).toBe(true);
    expect(isPlainFileName('weights-2.safetensors')).toBe(true);
    for (const bad of ['', '.', '..', '../x', 'a/b', 'a\\b', '/etc/passwd', 'C:x', 'https://evil.example/x', 'a\u0000b', 'x'.repeat(256)])
      expect(isPlainFileName(bad), bad).toBe(false);
  });
});
