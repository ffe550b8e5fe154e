/**
 * minbpe's `.model` file format ("minbpe v1"), so tokenizers move between minbpe (Python) and
 * `BpeTokenizer` both ways: version line, split pattern (Python regex source, empty for
 * BasicTokenizer), number of special tokens, one `token id` line each, then one `left right`
 * line per merge. minbpe's `.vocab` file is for people only and is not read. A `.model` file may
 * be untrusted: its size, special tokens and merges are held to `TOKENIZER_LIMITS` as it is read.
 */
import { MINBPE_PATTERNS, toSplitPattern, type SplitPattern } from './bpe-patterns';
import { BpeTokenizer } from './bpe-tokenizer';
import { TOKENIZER_LIMITS, checkSerializedLength, overLimit } from './limits';

export { MINBPE_PATTERNS };

/** Writes a tokenizer as a minbpe `.model` file. */
export function toMinbpeModel(tokenizer: BpeTokenizer): string {
  const specials = Object.entries(tokenizer.specialTokens);
  return [
    'minbpe v1',
    MINBPE_PATTERNS[tokenizer.pattern],
    String(specials.length),
    ...specials.map(([text, id]) => `${text} ${id}`),
    ...tokenizer.merges.map(([a, b]) => `${a} ${b}`),
    '',
  ].join('\n');
}

/** Options for {@link fromMinbpeModel}. */
export interface FromMinbpeModelOptions {
  /**
   * The split pattern to use instead of the file's, by name: for a file whose Python pattern is
   * not minbpe's but splits as one of `'none'`, `'gpt2'` or `'gpt4'` does.
   */
  pattern?: SplitPattern;
}

/** Reads a minbpe `.model` file. Its pattern must be minbpe's GPT-2 or GPT-4 one, or empty (see `options.pattern`). */
export function fromMinbpeModel(model: string, options: FromMinbpeModelOptions = {}): BpeTokenizer {
  const where = 'fromMinbpeModel';
  checkSerializedLength(model, where, 'the model text');
  const override = options.pattern === undefined ? undefined : toSplitPattern(options.pattern, where);
  const lines = model.split('\n').map((line) => line.replace(/\r$/, ''));
  const fail = (line: number, what: string): never => {
    throw new Error(`${where}: line ${line + 1}: ${what}`);
  };
  if (lines[0]?.trim() !== 'minbpe v1') fail(0, `expected "minbpe v1", found ${JSON.stringify((lines[0] ?? '').slice(0, 60))}.`);
  const source = lines[1]?.trim() ?? '';
  const named = (Object.keys(MINBPE_PATTERNS) as SplitPattern[]).find((name) => MINBPE_PATTERNS[name] === source);
  const pattern =
    override ??
    named ??
    fail(
      1,
      `the split pattern is not one of minbpe's (${Object.keys(MINBPE_PATTERNS).join(', ')}); if it splits as one of ` +
        'them, pass that name as options.pattern.',
    );
  const numSpecial = Number(lines[2]);
  if (!Number.isInteger(numSpecial) || numSpecial < 0)
    fail(2, `expected the number of special tokens, found ${JSON.stringify((lines[2] ?? '').slice(0, 60))}.`);
  if (numSpecial > TOKENIZER_LIMITS.maxSpecialTokens)
    throw overLimit(`${where}: line 3`, 'maxSpecialTokens', numSpecial, `${numSpecial} special tokens`);
  const specialTokens: Record<string, number> = {};
  for (let i = 3; i < 3 + numSpecial; i++) {
    const [text, id, extra] = (lines[i] ?? '').trim().split(/\s+/);
    if (text === undefined || id === undefined || extra !== undefined || !/^\d+$/.test(id)) fail(i, 'expected "<special token> <id>".');
    specialTokens[text!] = Number(id);
  }
  const maxMerges = TOKENIZER_LIMITS.maxVocabSize - 256;
  const merges: Array<[number, number]> = [];
  for (let i = 3 + numSpecial; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const match = /^(\d+) (\d+)$/.exec(line);
    if (match === null) fail(i, `expected a merge "<left id> <right id>", found ${JSON.stringify(line.slice(0, 60))}.`);
    if (merges.length === maxMerges) {
      throw overLimit(
        `${where}: line ${i + 1}`,
        'maxVocabSize',
        256 + merges.length + 1,
        `merge ${merges.length} makes ${256 + merges.length + 1} ids`,
      );
    }
    merges.push([Number(match![1]), Number(match![2])]);
  }
  return new BpeTokenizer(merges, { pattern, specialTokens });
}
