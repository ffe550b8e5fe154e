/**
 * The `scratchgpt` command line: tokenize, train, sample, eval and export. Each command lives in
 * its own module; this file only declares flags and turns them into typed options.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { attentionKinds } from '@scratchgpt/attention';
import { BATCH_SAMPLERS, MAX_SEED } from '@scratchgpt/data';
import { TOKENIZER_SPECS } from '@scratchgpt/tokenizers';
import { DEFAULT_ATTENTION } from '@scratchgpt/model';
import { DEFAULT_PRESET, PRESETS, SAMPLE_OPTIONS, TRAIN_SHARE, VAL_SHARE, type TrainConfig } from '@scratchgpt/train';
import { Command, CommanderError, Option } from 'commander';
import { BACKEND_CHOICES, type BackendChoice } from './backend';
import Table from 'cli-table3';
import { compareAttention, compareTokenizers } from './compare';
import { readCorpusText } from './corpus';
import type { ComparisonReport } from './compare-report';
import { evalCommand } from './eval';
import { exportCommand } from './export';
import { formatTokenizeReport } from './format';
import { sampleCommand } from './sample';
import { integer, kebab, MODEL_FLAGS, number, seed, TRAIN_FLAGS, type ModelSettings } from './settings';
import { tokenizeReport } from './tokenize-report';
import { InterruptedError, trainCommand } from './train';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
/** What the wasm backend says when its heap is exhausted. */
const OUT_OF_MEMORY = /out of memory|null function or function signature mismatch|memory access out of bounds|Cannot enlarge memory/i;

const encodingOption = () =>
  new Option(
    '--encoding <label>',
    "the text's encoding when it is not UTF-8, as a WHATWG label (latin1, windows-1252, utf-16le, …); default: UTF-8, strictly",
  );
const backendOption = () => new Option('--backend <name>', 'TensorFlow.js backend').choices(BACKEND_CHOICES).default('auto');
const workersOption = () =>
  new Option('--workers <n>', 'threads that train, this one included: auto = every core on wasm and cpu, 1 on native TensorFlow')
    .argParser((value) => (value === 'auto' ? 'auto' : integer(1)(value)))
    .default('auto');

/** Adds the model and training flags (no defaults: unset means the preset's). */
function addRunFlags(cmd: Command, blockHelp = 'context length in tokens'): Command {
  for (const [key, help, parse] of MODEL_FLAGS)
    cmd.option(`--${kebab(key)} <n>`, `${key === 'blockSize' ? blockHelp : help} (default: the preset's)`, parse);
  for (const [key, help, parse] of TRAIN_FLAGS)
    cmd.option(`--${kebab(key)} <n>`, `${help}${key === 'stride' ? '' : " (default: the preset's)"}`, parse);
  cmd.addOption(
    new Option(
      '--sampler <kind>',
      "training batches: random windows (nanoGPT) or sliding windows every --stride tokens in shuffled epochs (Raschka) (default: the preset's, random)",
    ).choices(Object.keys(BATCH_SAMPLERS)),
  );
  return cmd;
}

/** The model and recipe fields given on the command line. */
function runFlags(opts: Record<string, unknown>): { model: Partial<ModelSettings>; train: Partial<TrainConfig> } {
  const model: Partial<ModelSettings> = {};
  for (const [key] of MODEL_FLAGS) if (opts[key] !== undefined) Object.assign(model, { [key]: opts[key] });
  const train: Partial<TrainConfig> = {};
  for (const [key] of TRAIN_FLAGS) if (opts[key] !== undefined) train[key] = opts[key] as number;
  if (opts.sampler !== undefined) train.sampler = opts.sampler as TrainConfig['sampler'];
  return { model, train };
}

const presetOption = () =>
  new Option(
    '--preset <name>',
    Object.entries(PRESETS)
      .map(([n, p]) => `${n}: ${p.description}`)
      .join('; '),
  )
    .choices(Object.keys(PRESETS))
    .default(DEFAULT_PRESET);

/** The comparison's table on the terminal, and where the full report is. */
function printTable(report: ComparisonReport, out: string): void {
  const table = new Table({ head: report.columns });
  for (const row of report.rows) table.push(row.map((cell) => String(cell).replace(/\*\*/g, '')));
  console.log(
    `${table.toString()}\n${report.notes.find((n) => n.startsWith('Step 0')) ?? ''}\nreport: ${out}/report.md, report.json, by-step.svg, by-time.svg`.replace(
      /\n\n/,
      '\n',
    ),
  );
}

export function createProgram(): Command {
  const program = new Command('scratchgpt')
    .description('Build, train, compare and sample GPT language models from scratch on TensorFlow.js.')
    .version(VERSION)
    .showHelpAfterError('(add --help for usage)');

  program
    .command('tokenize')
    .description(`Tokenize a corpus with several tokenizers and compare them (BPE trained on ${TRAIN_SHARE}, measured on ${VAL_SHARE}).`)
    .option('--data <file|name>', 'a text file, or a dataset name such as "shakespeare"', 'shakespeare')
    .option('--tokenizers <list>', `comma-separated: ${TOKENIZER_SPECS}`, 'char,tiktoken:gpt2,bpe:512,bpe:2048')
    .addOption(encodingOption())
    .option('--json', 'print the report as JSON')
    .action(async (opts: { data: string; tokenizers: string; json?: boolean; encoding?: string }) => {
      const { path, text } = await readCorpusText(opts.data, (m) => console.error(m), opts.encoding); // as train reads it
      const specs = opts.tokenizers
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const report = tokenizeReport(text, specs);
      console.log(opts.json ? JSON.stringify({ data: path, ...report }, null, 2) : formatTokenizeReport(path, report));
    });

  const train = program
    .command('train')
    .description('Train a GPT (nanoGPT recipe): progress, metrics.jsonl, loss.svg, samples and a checkpoint in the run directory.')
    .addOption(presetOption())
    .option('--data <file|name>', 'a text file, or a dataset name such as "shakespeare" (default: shakespeare; on --resume, the run\'s)')
    .addOption(encodingOption())
    .option('--tokenizer <spec>', `${TOKENIZER_SPECS} | <tokenizer.json> (default: char)`)
    .option('--attention <kind>', `${attentionKinds().join(' | ')} (default: the preset's, ${DEFAULT_ATTENTION})`)
    .option('--bias', 'biases in Linear layers and LayerNorms')
    .option('--no-bias', "no biases (the presets' choice)");
  addRunFlags(train)
    .option('--log-interval <n>', 'print a log line every N steps when not on a terminal', integer(1), 50)
    .option('--out <dir>', 'run directory (default: runs/<preset>)')
    .option('--resume', 'continue the run in --out from its checkpoint')
    .addOption(backendOption())
    .addOption(workersOption())
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const { model, train: trainSettings } = runFlags(opts);
      if (opts.attention !== undefined) model.attention = String(opts.attention);
      if (cmd.getOptionValueSource('bias') === 'cli') model.bias = opts.bias as boolean;
      const preset = String(opts.preset);
      const summary = await trainCommand({
        preset,
        presetGiven: cmd.getOptionValueSource('preset') === 'cli',
        data: opts.data as string | undefined,
        encoding: opts.encoding as string | undefined,
        tokenizer: opts.tokenizer as string | undefined,
        model,
        train: trainSettings,
        out: (opts.out as string | undefined) ?? `runs/${preset}`,
        resume: opts.resume === true,
        backend: opts.backend as BackendChoice,
        workers: opts.workers as number | 'auto',
        logInterval: opts.logInterval as number,
      });
      if (summary.interrupted) throw new InterruptedError(); // it said where the checkpoint is
    });

  const compare = program
    .command('compare')
    .description('Train one model per contender on the same text and compare them in one report (markdown, JSON, SVG).');
  const comparison = (name: string, what: string, listFlag: string, listHelp: string, listDefault: string, blockHelp: string) =>
    addRunFlags(
      compare
        .command(name)
        .description(what)
        .option('--data <file|name>', 'a text file, or a dataset name such as "shakespeare"', 'shakespeare')
        .addOption(encodingOption())
        .option(listFlag, listHelp, listDefault)
        .addOption(presetOption())
        .option('--budget-seconds <s>', 'train each contender for this long instead of --max-iters', number),
      blockHelp,
    )
      .option('--out <dir>', `report directory (default: runs/compare-${name})`)
      .addOption(backendOption())
      .addOption(workersOption());
  const common = (opts: Record<string, unknown>, name: string) => {
    const { model, train: trainSettings } = runFlags(opts);
    const { maxIters, seed, ...rest } = trainSettings;
    if (opts.budgetSeconds !== undefined && !((opts.budgetSeconds as number) > 0)) throw new Error('--budget-seconds must be positive.');
    return {
      data: String(opts.data),
      encoding: opts.encoding as string | undefined,
      preset: String(opts.preset),
      maxIters,
      seed,
      budgetSeconds: opts.budgetSeconds as number | undefined,
      out: (opts.out as string | undefined) ?? `runs/compare-${name}`,
      backend: opts.backend as BackendChoice,
      workers: opts.workers as number | 'auto',
      model,
      train: rest,
    };
  };
  const list = (value: unknown) =>
    String(value)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  comparison(
    'tokenizers',
    'Char vs BPE and others: one model per tokenizer, ranked on val bits per character.',
    '--tokenizers <list>',
    `comma-separated: ${TOKENIZER_SPECS}`,
    'char,tiktoken:gpt2,bpe:512,bpe:2048',
    'context in characters; each tokenizer gets the tokens that cover it',
  ).action(async (opts: Record<string, unknown>) => {
    const args = common(opts, 'tokenizers');
    printTable(await compareTokenizers({ ...args, tokenizers: list(opts.tokenizers) }), args.out);
  });
  comparison(
    'attention',
    'single vs wrapper vs fused: speed, memory and loss from the same start.',
    '--variants <list>',
    'comma-separated attention kinds',
    attentionKinds().join(','),
    'context length in tokens',
  ).action(async (opts: Record<string, unknown>) => {
    const args = common(opts, 'attention');
    printTable(await compareAttention({ ...args, variants: list(opts.variants) }), args.out);
  });

  program
    .command('sample')
    .description('Generate text from a trained run, streamed as it comes (Ctrl-C stops).')
    .requiredOption('--run <dir>', 'run directory of `scratchgpt train`')
    .option('--prompt <text>', 'text to continue', '\n')
    .option('--max-new-tokens <n>', 'tokens to generate', integer(0), 500)
    .option('--temperature <t>', '0 is greedy; higher is more random', number, SAMPLE_OPTIONS.temperature)
    .option('--top-k <k>', 'sample among the k most likely tokens', integer(1), SAMPLE_OPTIONS.topK)
    .option('--top-p <p>', 'sample among the most likely tokens that make up probability p', number)
    .option('--seed <n>', `seed of the sampling (0 to ${MAX_SEED})`, seed, 1337)
    .addOption(backendOption())
    .action(
      async (opts: {
        run: string;
        prompt: string;
        maxNewTokens: number;
        temperature: number;
        topK: number;
        topP?: number;
        seed: number;
        backend: BackendChoice;
      }) => {
        if ((await sampleCommand(opts)) === 'interrupted') throw new InterruptedError('sampling stopped by Ctrl-C.');
      },
    );

  program
    .command('eval')
    .description('Loss of a run on held-out text, every token once: nats per token and bits per character.')
    .requiredOption('--run <dir>', 'run directory of `scratchgpt train`')
    .option('--data <file|name>', `a text to evaluate as a whole (default: the run's own val split, ${VAL_SHARE})`)
    .addOption(encodingOption())
    .option('--json', 'print { valLoss, bitsPerChar, tokens, chars, seconds } as JSON')
    .addOption(backendOption())
    .action(async (opts: { run: string; data?: string; encoding?: string; json?: boolean; backend: BackendChoice }) => {
      const { text, split, ...result } = await evalCommand(opts);
      if (opts.json) console.log(JSON.stringify(result));
      else {
        console.log(`${text} (${split}): ${result.tokens} tokens, ${result.chars} characters`);
        console.log(
          `val loss ${result.valLoss.toFixed(4)} nats/token, ${result.bitsPerChar.toFixed(4)} bits/char (${result.seconds.toFixed(1)} s)`,
        );
      }
    });

  program
    .command('export')
    .description(
      "Write a run's model for the browser sampler: config.json, model.safetensors, tokenizer.json, manifest.json (sha256 of each).",
    )
    .requiredOption('--run <dir>', 'run directory of `scratchgpt train`')
    .requiredOption('--out <dir>', 'directory to write the export to')
    .action(async (opts: { run: string; out: string }) => {
      const manifest = await exportCommand(opts);
      console.log(`exported ${opts.run} (step ${manifest.source.step}, ${manifest.params} parameters) to ${opts.out}`);
    });

  return program;
}

/** Runs the program; errors become a message and exit code 1, never a stack trace; an interrupted command exits with 130. */
export async function main(argv: string[]): Promise<number> {
  const program = createProgram().exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode; // commander already printed it
    if (error instanceof InterruptedError) {
      if (error.message) console.error(`scratchgpt: ${error.message}`);
      return 130;
    }
    const message = error instanceof Error ? error.message : String(error);
    console.error(`scratchgpt: ${message}`);
    if (OUT_OF_MEMORY.test(message)) {
      console.error(
        'scratchgpt: this looks like the backend ran out of memory (the wasm heap stops at 4 GB): try a smaller --batch-size or --block-size, with --grad-accum to keep the batch.',
      );
    }
    return 1;
  }
}

// Run when started as a program (directly, through a symlink, or as the `scratchgpt` bin).
const invoked = process.argv[1] ? realpathSync(process.argv[1]) : '';
if (invoked === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
