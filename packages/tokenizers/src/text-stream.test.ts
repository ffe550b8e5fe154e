import { describe, expect, it } from 'vitest';
import { BpeTokenizer } from './bpe-tokenizer';
import { TextStream } from './text-stream';

describe('TextStream', () => {
  it('holds back a character split across byte-level tokens until it is whole', () => {
    const bpe = BpeTokenizer.train('plain ascii text', { vocabSize: 256, pattern: 'none' }); // bytes only
    const written: string[] = [];
    const stream = new TextStream(bpe, (t) => written.push(t));
    for (const id of bpe.encode('aé€b')) stream.push(id); // é is 2 bytes, € is 3
    stream.end();
    expect(written.join('')).toBe('aé€b');
    expect(written).toEqual(['a', 'é', '€', 'b']);
    expect(written.some((t) => t.includes('\uFFFD'))).toBe(false);
  });
});
