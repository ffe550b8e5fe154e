// Tokenizer speed on Tiny Shakespeare: encode MB/s per tokenizer, BPE training time per vocab size.
import { readFile } from 'node:fs/promises';
import { resolveDataset } from '@scratchgpt/data/node';
import { BpeTokenizer, CharTokenizer, TiktokenTokenizer, type Tokenizer } from '@scratchgpt/tokenizers';
import { timeIt, type Suite, type Table } from './report';

const fmt = (n: number, digits = 2) => n.toFixed(digits);

export const tokenizersSuite: Suite = {
  name: 'tokenizers',
  async run(): Promise<Table[]> {
    const text = await readFile(await resolveDataset('shakespeare'), 'utf8');
    const mb = new TextEncoder().encode(text).length / 1e6;

    // 1. BPE training time.
    const train: Table = {
      title: 'BPE training on Tiny Shakespeare (1.1 MB)',
      note: 'Seconds to learn the merges, one run each, from a fresh start (split, count, merge).',
      columns: ['pattern', 'vocab size', 'merges', 'train s'],
      rows: [],
    };
    const trained = new Map<string, BpeTokenizer>();
    for (const [pattern, vocabSize] of [
      ['gpt4', 512],
      ['gpt4', 1024],
      ['gpt4', 4096],
      ['gpt2', 4096],
      ['none', 512],
      ['none', 4096],
    ] as const) {
      let tok!: BpeTokenizer;
      const seconds = await timeIt(() => (tok = BpeTokenizer.train(text, { vocabSize, pattern })), 1, 0);
      trained.set(`${pattern}:${vocabSize}`, tok);
      train.rows.push([pattern, vocabSize, vocabSize - 256, fmt(seconds)]);
      console.error(`  train bpe ${pattern} ${vocabSize}: ${fmt(seconds)} s`);
    }

    // 2. Encode speed: cold (a new instance's first call) and warm (median of 3 after it).
    const encode: Table = {
      title: 'Encoding Tiny Shakespeare',
      note: 'MB/s of UTF-8 input encoded to ids. Cold: the first encode of a fresh instance; warm: median of 3 more (BPE caches chunk encodings).',
      columns: ['tokenizer', 'tokens', 'cold MB/s', 'warm MB/s'],
      rows: [],
    };
    const makers: Array<[string, () => Tokenizer]> = [
      ['char', () => CharTokenizer.fromText(text)],
      ['tiktoken:gpt2', () => new TiktokenTokenizer('gpt2')],
      ...[...trained.keys()].map((key): [string, () => Tokenizer] => [
        `bpe:${key}`,
        () => BpeTokenizer.fromJSON(trained.get(key)!.toJSON()),
      ]),
    ];
    for (const [name, make] of makers) {
      const tok = make();
      let ids: number[] = [];
      const cold = await timeIt(() => (ids = tok.encode(text)), 1, 0);
      const warm = await timeIt(() => tok.encode(text), 3, 0);
      encode.rows.push([name, ids.length, fmt(mb / cold, 1), fmt(mb / warm, 1)]);
      console.error(`  encode ${name}: ${fmt(mb / cold, 1)} / ${fmt(mb / warm, 1)} MB/s`);
      tok.dispose?.();
    }
    return [train, encode];
  },
};
