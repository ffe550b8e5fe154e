import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { EXPORT_LIMITS, EXPORT_MANIFEST, GPT, exportFiles } from '@scratchgpt/model';
import { CharTokenizer } from '@scratchgpt/tokenizers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { exportFileUrl, loadFromFiles, loadFromUrl } from './load-export';

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});
afterEach(() => {
  vi.unstubAllGlobals();
});

const config = { vocabSize: 11, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0, bias: true };

type Files = Map<string, Uint8Array<ArrayBuffer>>;

/** An export held in memory, name → bytes, of a model whose tokenizer has `chars`. */
async function exported(chars = 'abcdefghijk'): Promise<Files> {
  const model = new GPT(config, { seed: 3 });
  const { files } = await exportFiles(model, CharTokenizer.fromText(chars), { run: 'runs/x', step: 1, valLoss: null, preset: 'tiny' });
  model.dispose();
  return new Map(files.map((f) => [f.path, f.bytes.slice()]));
}

/** A `fetch` serving `files` under https://models.example/exports/, recording each URL asked for. */
function serve(files: Files, asked: string[], override: (name: string) => Response | undefined = () => undefined) {
  return async (input: URL | string) => {
    const url = new URL(String(input));
    asked.push(url.href);
    const name = url.pathname.replace('/exports/', '');
    const bytes = files.get(name);
    if (url.origin !== 'https://models.example' || bytes === undefined) return new Response('not found', { status: 404 });
    return override(name) ?? new Response(bytes);
  };
}

describe('exportFileUrl', () => {
  it('resolves plain names beside the manifest, and nothing else', () => {
    const base = new URL('https://models.example/exports/manifest.json?v=2#top');
    expect(exportFileUrl(base, 'config.json').href).toBe('https://models.example/exports/config.json');
    for (const name of [
      '../secrets.bin',
      '/config.json',
      'sub/config.json',
      'https://evil.example/x',
      '//evil.example/x',
      'a\\b',
      '..',
      '',
    ])
      expect(() => exportFileUrl(base, name), name).toThrow(`${JSON.stringify(name)} is not a plain file name`);
  });
});

describe('loadFromUrl', () => {
  it('fetches every file beside the manifest and builds the model', async () => {
    const files = await exported();
    const asked: string[] = [];
    vi.stubGlobal('fetch', serve(files, asked));
    const loaded = await loadFromUrl('https://models.example/exports/manifest.json');
    expect(asked.sort()).toEqual(
      ['config.json', 'manifest.json', 'model.safetensors', 'tokenizer.json'].map((n) => `https://models.example/exports/${n}`),
    );
    expect(loaded.model.numParams()).toBe(new GPT(config).numParams());
    loaded.model.dispose();
  });

  it('refuses a body longer than the manifest lists, as it arrives, and a Content-Length over it before', async () => {
    const files = await exported();
    const listed = files.get('config.json')!.length;
    const longer = new Uint8Array(listed + 10_000);
    vi.stubGlobal(
      'fetch',
      serve(files, [], (name) => (name === 'config.json' ? new Response(longer) : undefined)),
    );
    await expect(loadFromUrl('https://models.example/exports/manifest.json')).rejects.toThrow(
      `https://models.example/exports/config.json is over ${listed} bytes, the most manifest.json allows it; the server sent another file than the export's`,
    );
    const declared = new Response(files.get('config.json'), { headers: { 'content-length': String(EXPORT_LIMITS.manifestBytes + 1) } });
    vi.stubGlobal(
      'fetch',
      serve(files, [], (name) => (name === EXPORT_MANIFEST ? declared : undefined)),
    );
    await expect(loadFromUrl('https://models.example/exports/manifest.json')).rejects.toThrow(
      `https://models.example/exports/manifest.json is ${EXPORT_LIMITS.manifestBytes + 1} bytes (Content-Length), over ${EXPORT_LIMITS.manifestBytes}`,
    );
  });
});

describe('loadFromFiles', () => {
  const picked = (files: Files) => [...files].map(([name, bytes]) => new File([bytes], name));

  it('loads the four files by their plain names', async () => {
    const loaded = await loadFromFiles(picked(await exported()));
    expect(loaded.origin).toBe('local files');
    loaded.model.dispose();
  });

  it('refuses two files of one name, a file larger than listed before reading it, and a tokenizer larger than the model', async () => {
    const files = await exported();
    const twice = [...picked(files), new File([new Uint8Array(3)], 'config.json')];
    await expect(loadFromFiles(twice)).rejects.toThrow('two files named config.json were picked: pick the four files of one export');
    const bigger = picked(files).map((f) => (f.name === 'tokenizer.json' ? new File([new Uint8Array(f.size + 1)], f.name) : f));
    const read = vi.spyOn(bigger.find((f) => f.name === 'tokenizer.json')!, 'arrayBuffer');
    await expect(loadFromFiles(bigger)).rejects.toThrow(
      `tokenizer.json is ${files.get('tokenizer.json')!.length + 1} bytes, over ${files.get('tokenizer.json')!.length}, the most manifest.json allows it`,
    );
    expect(read).not.toHaveBeenCalled();
    const wide = await exported('abcdefghijklmnop'); // 16 characters for a vocabulary of 11
    await expect(loadFromFiles(picked(wide))).rejects.toThrow(
      "the export's tokenizer has 16 ids, more than the model's vocabulary of 11: ids 11 to 15 have no embedding; the tokenizer is not the model's.",
    );
  });
});
