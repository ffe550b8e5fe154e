/**
 * The demo behind `scratchgpt tokenize`: every tokenizer on the same text, compared fairly.
 * Each tokenizer is built as a training run builds it (`tokenizerText`): BPE learns from the train
 * split (first 90%) and every figure is measured on the held-out val split, so BPE is not scored on
 * text it was trained on; the char vocabulary comes from the whole text, as in the lecture
 * (`sorted(set(text))`).
 */
import { trainValSplit } from '@scratchgpt/data';
import { compressionStats, createTokenizer, type Tokenizer } from '@scratchgpt/tokenizers';
import { tokenizerText } from '@scratchgpt/train';

/** One tokenizer's row in the comparison. */
export interface TokenizerReport {
  tokenizer: string;
  vocabSize: number;
  /** Seconds to build it (training, for BPE). */
  buildSeconds: number;
  /** Tokens in the val split. */
  tokens: number;
  charsPerToken: number;
  bytesPerToken: number;
  /** Encode speed on the val split, MB (10^6 UTF-8 bytes) per second. */
  encodeMBps: number;
  /** decode(encode(val)) gave back the val text. */
  roundTrip: boolean;
  /** How the first whole line of the val split is cut into tokens. */
  example: string[];
}

export interface TokenizeReport {
  chars: number;
  bytes: number;
  valChars: number;
  rows: TokenizerReport[];
}

export function tokenizeReport(text: string, specs: readonly string[]): TokenizeReport {
  const { val } = trainValSplit(text);
  // The val split starts mid-line: take the first whole line.
  const exampleLine =
    val
      .split('\n')
      .slice(1)
      .find((line) => line.trim().length > 0) ?? val.slice(0, 40);
  const rows = specs.map((spec) => {
    let t = performance.now();
    const tokenizer: Tokenizer = createTokenizer(spec, tokenizerText(spec, text)); // as a run builds it
    const buildSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    const stats = compressionStats(tokenizer, val);
    const encodeSeconds = (performance.now() - t) / 1000;
    const row: TokenizerReport = {
      tokenizer: tokenizer.name,
      vocabSize: tokenizer.vocabSize,
      buildSeconds,
      tokens: stats.tokens,
      charsPerToken: stats.charsPerToken,
      bytesPerToken: stats.bytesPerToken,
      encodeMBps: stats.bytes / 1e6 / encodeSeconds,
      roundTrip: tokenizer.decode(tokenizer.encode(val)) === val,
      example: tokenizer.encode(exampleLine).map((id) => tokenizer.decode([id])),
    };
    tokenizer.dispose?.();
    return row;
  });
  return { chars: [...text].length, bytes: new TextEncoder().encode(text).length, valChars: [...val].length, rows };
}
