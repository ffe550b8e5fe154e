/**
 * Bounds on tokenizer files, so that an untrusted tokenizer JSON or minbpe `.model` file is
 * refused in bounded time and memory, before anything big is built. This is the one home of
 * these numbers: the checks, their error messages and the README read them from here.
 *
 * Each is a few times what real tokenizers need: OpenAI's o200k_base has 200,019 ids whose
 * 199,998 mergeable tokens hold 1,397,646 bytes in all, and its longest token, like GPT-2's and
 * cl100k_base's, is 128 bytes (counted from the ranks that the `tiktoken` package ships).
 */
export const TOKENIZER_LIMITS = {
  /** Characters of a tokenizer JSON string or minbpe `.model` text, checked before parsing: 64 Mi. */
  maxSerializedChars: 64 * 1024 * 1024,
  /** Ids of one tokenizer (characters and `<unk>`; bytes, merges and special tokens): 2^20 = 1,048,576. */
  maxVocabSize: 1024 * 1024,
  /** UTF-8 bytes of one BPE token, a merge's or a special token's: 256. */
  maxTokenBytes: 256,
  /** UTF-8 bytes of all of a BPE tokenizer's tokens together (its decoding table): 32 MiB. */
  maxTotalTokenBytes: 32 * 1024 * 1024,
  /** Special tokens of one BPE tokenizer: 1,024. */
  maxSpecialTokens: 1024,
} as const;

/** The name of one of the {@link TOKENIZER_LIMITS}. */
export type TokenizerLimit = keyof typeof TOKENIZER_LIMITS;

/** Thrown when a tokenizer (or its file) is over one of the {@link TOKENIZER_LIMITS}. */
export class TokenizerLimitError extends RangeError {
  override name = 'TokenizerLimitError';
  constructor(
    /** Which limit. */
    readonly limit: TokenizerLimit,
    /** The value found, over `TOKENIZER_LIMITS[limit]`. */
    readonly actual: number,
    message: string,
  ) {
    super(message);
  }
}

/** The advice for a tokenizer file over a limit: real ones are well inside them. */
export const UNTRUSTED_ADVICE =
  'Real tokenizers are well inside these limits (o200k_base: 200,019 ids, tokens of at most 128 bytes), so this one ' +
  'is damaged or made to exhaust memory; use a tokenizer saved by scratchgpt or minbpe instead.';

/** `where: what, over TOKENIZER_LIMITS.limit = value. advice` as a {@link TokenizerLimitError}. */
export function overLimit(
  where: string,
  limit: TokenizerLimit,
  actual: number,
  what: string,
  advice = UNTRUSTED_ADVICE,
): TokenizerLimitError {
  return new TokenizerLimitError(
    limit,
    actual,
    `${where}: ${what}, over TOKENIZER_LIMITS.${limit} = ${TOKENIZER_LIMITS[limit]}. ${advice}`,
  );
}

/** Refuses a serialized tokenizer (JSON, minbpe `.model`) longer than `maxSerializedChars`, before it is parsed. */
export function checkSerializedLength(text: string, where: string, what: string): void {
  if (text.length > TOKENIZER_LIMITS.maxSerializedChars) {
    throw overLimit(where, 'maxSerializedChars', text.length, `${what} is ${text.length} characters long`);
  }
}

/** UTF-8 length of `text`, counted without encoding it (a lone surrogate counts 3 bytes, as U+FFFD). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** A value from an untrusted file, shown short in an error message. */
export function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 60)}...` : text;
}
