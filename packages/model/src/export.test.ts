import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import { EXPORT_MANIFEST, exportFiles, readExport } from './export';
import { GPT } from './gpt';

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
    // A config far larger than its weights (a checksum-valid manifest from a stranger): refused before anything is built.
    const hostile = new Map(files);
    const config = new TextEncoder().encode(
      JSON.stringify({ ...JSON.parse(new TextDecoder().decode(files.get('config.json'))), nLayer: 4000, nEmbd: 1024, nHead: 16 }),
    );
    hostile.set('config.json', config);
    const m2 = JSON.parse(new TextDecoder().decode(files.get(EXPORT_MANIFEST)));
    m2.files.config = { path: 'config.json', bytes: config.length, sha256: bytesToHex(sha256(config)) };
    hostile.set(EXPORT_MANIFEST, new TextEncoder().encode(JSON.stringify(m2)));
    const before = tf.memory().numBytes;
    await expect(readExport(reader(hostile))).rejects.toThrow(
      /the weights file holds [\d,]+ weights, but its config \(4000 layers, 1024 wide, vocabulary 11, block 8\) needs at least 46,137,363,456: the config and the weights do not belong together; nothing was built/,
    );
    expect(tf.memory().numBytes).toBe(before); // no model was allocated
    const notJson = new Map(files);
    notJson.set(EXPORT_MANIFEST, new TextEncoder().encode('<html>'));
    await expect(readExport(reader(notJson))).rejects.toThrow('manifest.json is not JSON');
  });
});
