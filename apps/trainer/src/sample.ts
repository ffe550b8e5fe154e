/**
 * `scratchgpt sample`: streams text from a run's checkpoint as it is generated, and stops at once
 * when asked: Ctrl-C (or SIGTERM) ends the text there, a reader that goes away (`sample | head`)
 * ends it quietly.
 */
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

/** How a sample ended: every token written, Ctrl-C, or the reader went away (`sample | head`). */
export type SampleEnd = 'done' | 'interrupted' | 'closed';

/** How often generation yields to the event loop, so Ctrl-C and a closed pipe are seen (a token's await alone never does on wasm). */
const YIELD_MS = 50;

export async function sampleCommand(
  opts: SampleCommandOptions,
  write: (text: string) => void = (t) => process.stdout.write(t),
): Promise<SampleEnd> {
  const backend = await selectBackend(opts.backend);
  const { model, optimizer, tokenizer, state } = await loadRun(opts.run);
  optimizer.dispose();
  const controller = new AbortController();
  let end = 'done' as SampleEnd; // set by the handlers below
  const stop = (why: SampleEnd) => {
    if (end === 'done') end = why;
    controller.abort();
  };
  const onSignal = () => stop('interrupted');
  // A reader that goes away (`| head`) stops the generation quietly; later writes would fail too.
  const onStdoutError = (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    stop('closed');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.stdout.on('error', onStdoutError);
  try {
    console.error(`sampling from ${opts.run} (step ${state.step}) on ${backend.name}`);
    const prompt = opts.prompt.length > 0 ? tokenizer.encode(opts.prompt) : [];
    if (prompt.length === 0) throw new Error('the prompt encodes to no tokens; pass a non-empty --prompt (the default is a newline).');
    const out = (text: string) => {
      if (end !== 'closed') write(text);
    };
    const stream = new TextStream(tokenizer, out);
    let started = false;
    const begin = () => {
      if (!started) out(opts.prompt); // after generate has checked its options
      started = true;
    };
    let yielded = performance.now();
    await model.generate(prompt, {
      maxNewTokens: opts.maxNewTokens,
      temperature: opts.temperature,
      topK: opts.topK,
      topP: opts.topP,
      seed: opts.seed,
      signal: controller.signal,
      onToken: async (id) => {
        begin();
        stream.push(id);
        if (performance.now() - yielded > YIELD_MS) {
          await new Promise((resolve) => setImmediate(resolve)); // let signals and stream errors in
          yielded = performance.now();
        }
      },
    });
    begin();
    stream.end();
    out('\n');
    return end;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // Keep swallowing the closed pipe's errors: buffered writes may still fail after this.
    if (end !== 'closed') process.stdout.off('error', onStdoutError);
    model.dispose();
    tokenizer.dispose?.();
  }
}
