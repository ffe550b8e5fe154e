/** `scratchgpt sample`: streams text from a run's checkpoint. */
import { selectBackend, type BackendChoice } from './backend';
import { loadRun } from './run-dir';
import { TextStream } from '@scratchgpt/tokenizers';

export interface SampleCommandOptions {
  run: string;
  prompt: string;
  maxNewTokens: number;
  temperature: number;
  topK?: number;
  topP?: number;
  seed: number;
  backend: BackendChoice;
}

export async function sampleCommand(
  opts: SampleCommandOptions,
  write: (text: string) => void = (t) => process.stdout.write(t),
): Promise<void> {
  const backend = await selectBackend(opts.backend);
  const { model, optimizer, tokenizer, state } = await loadRun(opts.run);
  optimizer.dispose();
  try {
    console.error(`sampling from ${opts.run} (step ${state.step}) on ${backend.name}`);
    const prompt = opts.prompt.length > 0 ? tokenizer.encode(opts.prompt) : [];
    if (prompt.length === 0) throw new Error('the prompt encodes to no tokens; pass a non-empty --prompt (the default is a newline).');
    const stream = new TextStream(tokenizer, write);
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    // A reader that goes away (`| head`) stops the generation quietly.
    process.stdout.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' ? stop() : undefined));
    let started = false;
    const begin = () => {
      if (!started) write(opts.prompt); // after generate has checked its options
      started = true;
    };
    try {
      await model.generate(prompt, {
        maxNewTokens: opts.maxNewTokens,
        temperature: opts.temperature,
        topK: opts.topK,
        topP: opts.topP,
        seed: opts.seed,
        signal: controller.signal,
        onToken: (id) => {
          begin();
          stream.push(id);
        },
      });
      begin();
    } finally {
      process.off('SIGINT', stop);
    }
    if (process.stdout.destroyed) return; // the reader went away
    stream.end();
    write('\n');
  } finally {
    model.dispose();
    tokenizer.dispose?.();
  }
}
