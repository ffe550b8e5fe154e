/**
 * Pre-tokenization split patterns: text is cut into chunks first and BPE never merges across
 * chunks. The strings are minbpe's, made to run on JavaScript's RegExp (flags `gu`).
 */

/**
 * Whitespace as Python's `regex` module (and so minbpe) defines `\s`: JavaScript's `\s` adds
 * U+FEFF and lacks U+0085, so the patterns below spell it out.
 */
const WS = String.raw`\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000`;
const s = `[${WS}]`;
const S = `[^${WS}]`;

/** GPT-2's pattern (minbpe `GPT2_SPLIT_PATTERN`), with `\s` spelled out. */
export const GPT2_SPLIT_PATTERN = String.raw`'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^${WS}\p{L}\p{N}]+|${s}+(?!${S})|${s}+`;

/**
 * GPT-4's pattern (minbpe `GPT4_SPLIT_PATTERN`), rewritten for JavaScript, which has neither
 * inline `(?i:...)` groups (in Node 20) nor possessive quantifiers:
 * - `'(?i:[sdmt]|ll|ve|re)` spells the cases out; `ſ` (U+017F) is there because it case-folds to `s`.
 * - `?+` and `++` become `?` and `+`: nothing after them can match what backtracking would give
 *   back (a non-letter before `\p{L}+`; a non-space before `[\r\n]*`), so the chunks are the same.
 */
export const GPT4_SPLIT_PATTERN = String.raw`'(?:[sSſdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^${WS}\p{L}\p{N}]+[\r\n]*|${s}*[\r\n]|${s}+(?!${S})|${s}+`;

/**
 * The split patterns, by name: `'none'` (the whole text is one chunk, minbpe's BasicTokenizer),
 * `'gpt2'` and `'gpt4'` (minbpe's RegexTokenizer). Only these are accepted: a pattern from a file
 * or a user could take exponential time on some text (`(a+)+$`) or match nothing and silently
 * encode every text to `[]`, and these are tested against Python's chunks.
 */
export const SPLIT_PATTERNS = {
  none: '',
  gpt2: GPT2_SPLIT_PATTERN,
  gpt4: GPT4_SPLIT_PATTERN,
} as const;

/** A named split pattern: `'none'`, `'gpt2'` or `'gpt4'` (see {@link SPLIT_PATTERNS}). */
export type SplitPattern = keyof typeof SPLIT_PATTERNS;

/** minbpe's pattern strings, as Python writes them into `.model` files (BasicTokenizer: empty). */
export const MINBPE_PATTERNS: Readonly<Record<SplitPattern, string>> = {
  none: '',
  gpt2: String.raw`'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
  gpt4: String.raw`'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+`,
};

/**
 * Regex sources older versions accepted as custom patterns and so may have saved: this package's
 * own (exported) sources and minbpe's GPT-2 source, which is valid JavaScript. They read as their name.
 */
const KNOWN_SOURCES: ReadonlyMap<string, SplitPattern> = new Map([
  [GPT2_SPLIT_PATTERN, 'gpt2'],
  [GPT4_SPLIT_PATTERN, 'gpt4'],
  [MINBPE_PATTERNS.gpt2, 'gpt2'],
]);

/**
 * The named split pattern `value` stands for: a name, or a regex source that older versions
 * saved for one (see above). Anything else is refused with an error that starts with `where`.
 */
export function toSplitPattern(value: unknown, where: string): SplitPattern {
  if (typeof value === 'string') {
    if (Object.hasOwn(SPLIT_PATTERNS, value)) return value as SplitPattern;
    const named = KNOWN_SOURCES.get(value);
    if (named !== undefined) return named;
  }
  const shown = typeof value === 'string' && value.length > 80 ? `${JSON.stringify(value.slice(0, 80))}...` : JSON.stringify(value);
  throw new Error(
    `${where}: split pattern ${shown} is not one of the named patterns ${Object.keys(SPLIT_PATTERNS).join(', ')}. ` +
      "Use one of them ('gpt4' is minbpe's RegexTokenizer default, 'none' its BasicTokenizer); custom regular " +
      'expressions are not accepted, as one can take exponential time or match nothing.',
  );
}

/** Splits text into chunks with a named pattern (`'none'`: the whole text is one chunk). */
export function createSplitter(pattern: SplitPattern): (text: string) => string[] {
  const name = toSplitPattern(pattern, 'createSplitter');
  if (name === 'none') return (text) => (text.length > 0 ? [text] : []);
  const re = new RegExp(SPLIT_PATTERNS[name], 'gu');
  return (text) => text.match(re) ?? [];
}

/** A function that cuts text at special tokens: even entries are ordinary text, odd entries special tokens. */
export function createSpecialSplitter(specials: readonly string[]): (text: string) => string[] {
  if (specials.length === 0) return (text) => [text];
  // Longest first, so that a special token that contains another wins.
  const alternatives = [...specials].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const re = new RegExp(`(${alternatives.join('|')})`, 'u');
  return (text) => text.split(re);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
