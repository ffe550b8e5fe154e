// Test helper: Tiny Shakespeare's text, found the way the trainer finds it (shared copy or cache).
import { readFile } from 'node:fs/promises';
import { resolveDataset } from '@scratchgpt/data/node';

let text: Promise<string> | undefined;

export function readShakespeare(): Promise<string> {
  text ??= resolveDataset('shakespeare').then((path) => readFile(path, 'utf8'));
  return text;
}
