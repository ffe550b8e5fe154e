import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { GPT } from '@scratchgpt/model';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW, decayedParameters } from './adamw';
import { writeCheckpoint } from './checkpoint';
import { fileCheckpoints, loadCheckpoint } from './node';

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

const dist = join(import.meta.dirname, '../dist');

/** A child process that overwrites `path` with a ~30 MB checkpoint again and again, saying "saving" before each. */
const childScript = (path: string) => `
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { GPT } from '@scratchgpt/model';
import { AdamW, decayedParameters, writeCheckpoint } from ${JSON.stringify(join(dist, 'index.js'))};
import { fileCheckpoints } from ${JSON.stringify(join(dist, 'node.js'))};
await tf.setBackend('cpu');
const model = new GPT({ vocabSize: 64, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 256, dropout: 0, bias: true });
const bytes = await writeCheckpoint(model, new AdamW(model.namedParameters(), decayedParameters(model)), { extra: { writer: 'child' } });
const store = fileCheckpoints(${JSON.stringify(path)});
for (;;) { console.log('saving'); await store.save(bytes); }
`;

describe('checkpoint files', () => {
  it('a save killed midway (SIGKILL) leaves a whole checkpoint in place', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scratchgpt-ckpt-'));
    const path = join(dir, 'ckpt.safetensors');
    const model = new GPT({ vocabSize: 11, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0, bias: true });
    await fileCheckpoints(path).save(
      await writeCheckpoint(model, new AdamW(model.namedParameters(), decayedParameters(model)), { extra: { writer: 'parent' } }),
    );
    const script = join(import.meta.dirname, `../.kill-test-${process.pid}.mjs`); // inside the package, so its imports resolve
    writeFileSync(script, childScript(path));
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const child = spawn('node', [script], { stdio: ['ignore', 'pipe', 'inherit'] });
        let saves = 0;
        await new Promise<void>((resolve) => {
          child.stdout.on('data', (chunk: Buffer) => {
            saves += chunk.toString().split('saving').length - 1;
            if (saves >= 2 + attempt) child.kill('SIGKILL'); // while the next save is being written
          });
          child.on('exit', () => resolve());
        });
        const { state } = await loadCheckpoint(path);
        expect(['parent', 'child']).toContain(state.extra?.writer);
      }
    } finally {
      const { rmSync } = await import('node:fs');
      rmSync(script, { force: true });
    }
    expect(readdirSync(dir).filter((f) => !f.endsWith('.tmp'))).toEqual(['ckpt.safetensors']);
  }, 120_000);

  it('names the file and the reason when a checkpoint is damaged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scratchgpt-ckpt-'));
    const path = join(dir, 'ckpt.safetensors');
    writeFileSync(path, new Uint8Array(100));
    await expect(loadCheckpoint(path)).rejects.toThrow(`checkpoint ${path} is unusable: not a readable checkpoint`);
    await expect(loadCheckpoint(join(dir, 'none.safetensors'))).rejects.toThrow('no checkpoint at');
    expect(await fileCheckpoints(join(dir, 'none.safetensors')).load()).toBeUndefined();
  });

  it('refuses a checkpoint file with NaN weights by tensor name, and one over maxParameters', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scratchgpt-ckpt-'));
    const path = join(dir, 'ckpt.safetensors');
    const model = new GPT({ vocabSize: 11, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0, bias: true });
    const optimizer = new AdamW(model.namedParameters(), decayedParameters(model));
    await fileCheckpoints(path).save(await writeCheckpoint(model, optimizer, {}));
    await expect(loadCheckpoint(path, { maxParameters: 100 })).rejects.toThrow(
      `checkpoint ${path} is unusable: the checkpoint has ${model.numParams().toLocaleString('en-US')} parameters, more than the budget of 100`,
    );
    model.transformer.ln_f.weight.assign(tf.fill([16], Number.NaN));
    await fileCheckpoints(path).save(await writeCheckpoint(model, optimizer, {}));
    await expect(loadCheckpoint(path)).rejects.toThrow(
      `checkpoint ${path} is unusable: the checkpoint has non-finite weights: tensor "model.transformer.ln_f.weight" has 16 NaN or infinite values of 16`,
    );
    optimizer.dispose();
    model.dispose();
  });
});
