/**
 * Turns tokens into text as they arrive. A byte-level token can end inside a UTF-8 character, so
 * the text is decoded from all tokens so far and a trailing U+FFFD (an unfinished character) is
 * held back until the next token completes it.
 */
import type { Tokenizer } from './types';

export class TextStream {
  private readonly ids: number[] = [];
  private printed = 0;

  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly write: (text: string) => void,
  ) {}

  push(id: number): void {
    this.ids.push(id);
    let text = this.tokenizer.decode(this.ids);
    while (text.endsWith('\uFFFD') && text.length > this.printed) text = text.slice(0, -1);
    if (text.length > this.printed) {
      this.write(text.slice(this.printed));
      this.printed = text.length;
    }
  }

  /** Writes whatever is held back (an unfinished character stays U+FFFD). */
  end(): void {
    const text = this.tokenizer.decode(this.ids);
    if (text.length > this.printed) this.write(text.slice(this.printed));
    this.printed = text.length;
  }
}
