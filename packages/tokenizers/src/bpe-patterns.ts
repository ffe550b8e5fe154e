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

/** A named split pattern, or the source of a custom regular expression. */
export type SplitPattern = 'none' | 'gpt2' | 'gpt4' | (string & {});

/** Splits text into chunks with a pattern (`'none'`: the whole text is one chunk). */
export function createSplitter(pattern: SplitPattern): (text: string) => string[] {
  if (pattern === 'none') return (text) => (text.length > 0 ? [text] : []);
  const source = pattern === 'gpt2' ? GPT2_SPLIT_PATTERN : pattern === 'gpt4' ? GPT4_SPLIT_PATTERN : pattern;
  let re: RegExp;
  try {
    re = new RegExp(source, 'gu');
  } catch (cause) {
    throw new Error(`BPE split pattern is not a valid regular expression: ${String(cause)}`, { cause });
  }
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
