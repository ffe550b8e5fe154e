/**
 * minbpe's `.model` file format ("minbpe v1"), so tokenizers move between minbpe (Python) and
 * `BpeTokenizer` both ways: version line, split pattern (Python regex source, empty for
 * BasicTokenizer), number of special tokens, one `token id` line each, then one `left right`
 * line per merge. minbpe's `.vocab` file is for people only and is not read.
 */
import { BpeTokenizer } from './bpe-tokenizer';

/** minbpe's pattern strings, as Python writes them into `.model` files (BasicTokenizer: empty). */
export const MINBPE_PATTERNS = {
  none: '',
  gpt2: String.raw`'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
  gpt4: String.raw`'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+`,
} as const;

/** Writes a tokenizer as a minbpe `.model` file (patterns `none`, `gpt2` and `gpt4` only). */
export function toMinbpeModel(tokenizer: BpeTokenizer): string {
  const { pattern } = tokenizer;
  const source = Object.hasOwn(MINBPE_PATTERNS, pattern) ? MINBPE_PATTERNS[pattern as keyof typeof MINBPE_PATTERNS] : undefined;
  if (source === undefined) {
    throw new Error('toMinbpeModel: only the none, gpt2 and gpt4 patterns have a minbpe (Python) form; this tokenizer uses a custom one.');
  }
  const specials = Object.entries(tokenizer.specialTokens);
  return [
    'minbpe v1',
    source,
    String(specials.length),
    ...specials.map(([text, id]) => `${text} ${id}`),
    ...tokenizer.merges.map(([a, b]) => `${a} ${b}`),
    '',
  ].join('\n');
}

/**
 * Reads a minbpe `.model` file. Its pattern must be minbpe's GPT-2 or GPT-4 one, or empty; for
 * another Python pattern, pass a JavaScript equivalent as `pattern`.
 */
export function fromMinbpeModel(model: string, options: { pattern?: string } = {}): BpeTokenizer {
  const lines = model.split('\n').map((line) => line.replace(/\r$/, ''));
  const fail = (line: number, what: string): never => {
    throw new Error(`fromMinbpeModel: line ${line + 1}: ${what}`);
  };
  if (lines[0]?.trim() !== 'minbpe v1') fail(0, `expected "minbpe v1", found ${JSON.stringify(lines[0] ?? '')}.`);
  const source = lines[1]?.trim() ?? '';
  const named = Object.entries(MINBPE_PATTERNS).find(([, python]) => python === source)?.[0];
  const pattern =
    options.pattern ?? named ?? fail(1, "the split pattern is not one of minbpe's; pass its JavaScript form as options.pattern.");
  const numSpecial = Number(lines[2]);
  if (!Number.isInteger(numSpecial) || numSpecial < 0) fail(2, `expected the number of special tokens, found ${JSON.stringify(lines[2])}.`);
  const specialTokens: Record<string, number> = {};
  for (let i = 3; i < 3 + numSpecial; i++) {
    const [text, id, extra] = (lines[i] ?? '').trim().split(/\s+/);
    if (text === undefined || id === undefined || extra !== undefined || !/^\d+$/.test(id)) fail(i, 'expected "<special token> <id>".');
    specialTokens[text!] = Number(id);
  }
  const merges: Array<[number, number]> = [];
  for (let i = 3 + numSpecial; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const match = /^(\d+) (\d+)$/.exec(line);
    if (match === null) fail(i, `expected a merge "<left id> <right id>", found ${JSON.stringify(line)}.`);
    merges.push([Number(match![1]), Number(match![2])]);
  }
  return new BpeTokenizer(merges, { pattern, specialTokens });
}
