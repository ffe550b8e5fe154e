/**
 * The `scratchgpt` command line. For now: `scratchgpt tokenize`, the tokenizer comparison demo.
 * Later issues add train, sample, eval, export and compare.
 */
import { readFile } from 'node:fs/promises';
import { resolveDataset } from '@scratchgpt/data/node';
import { TOKENIZER_SPECS } from '@scratchgpt/tokenizers';
import { Command, CommanderError } from 'commander';
import { formatTokenizeReport } from './format';
import { tokenizeReport } from './tokenize-report';

export function createProgram(): Command {
  const program = new Command('scratchgpt')
    .description('Build, train, compare and sample GPT language models from scratch on TensorFlow.js.')
    .showHelpAfterError();

  program
    .command('tokenize')
    .description('Tokenize a corpus with several tokenizers and compare them (BPE trained on the first 90%, measured on the last 10%).')
    .option('--data <file|name>', 'a text file, or a dataset name such as "shakespeare"', 'shakespeare')
    .option('--tokenizers <list>', `comma-separated: ${TOKENIZER_SPECS}`, 'char,tiktoken:gpt2,bpe:512,bpe:2048')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { data: string; tokenizers: string; json?: boolean }) => {
      const path = await resolveDataset(opts.data, { log: (m) => console.error(m) });
      const text = await readFile(path, 'utf8');
      if (text.length === 0) throw new Error(`${path} is empty; pass a text file with some text in it.`);
      const specs = opts.tokenizers.split(',').map((s) => s.trim()).filter(Boolean);
      const report = tokenizeReport(text, specs);
      console.log(opts.json ? JSON.stringify({ data: path, ...report }, null, 2) : formatTokenizeReport(path, report));
    });

  return program;
}

/** Runs the program; errors become a message and exit code 1, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  const program = createProgram().exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode; // commander already printed it
    console.error(`scratchgpt: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/scratchgpt')) {
  process.exitCode = await main(process.argv.slice(2));
}
