/**
 * `scratchgpt eval`: the loss of a run's model on held-out text, every token counted once
 * (`measureText` of `@scratchgpt/train`). Nats per token depend on the tokenizer; bits per
 * character (total nats / ln 2 / characters covered) do not, which is what makes char and BPE
 * models comparable on the same text.
 */
import { VAL_SHARE, measureText, resolveTrainConfig, type TextMeasure } from '@scratchgpt/train';
import { selectBackend, type BackendChoice } from './backend';
import { readCorpusText, tokenizeCorpus } from './corpus';
import { loadRun } from './run-dir';

/** What `scratchgpt eval` measures (`--json` prints it, with the text and the split). */
export type EvalResult = TextMeasure;

export async function evalCommand(opts: {
  run: string;
  data?: string;
  /** `--data`'s encoding (a WHATWG label); default UTF-8 (the run's own text: the run's). */
  encoding?: string;
  backend: BackendChoice;
}): Promise<EvalResult & { text: string; split: string }> {
  await selectBackend(opts.backend);
  const { model, optimizer, tokenizer, extra, training } = await loadRun(opts.run);
  optimizer.dispose();
  try {
    const file = await readCorpusText(
      opts.data ?? extra.data.path,
      (line) => console.error(line),
      opts.encoding ?? (opts.data === undefined ? extra.data.encoding : undefined),
    );
    let ids: ArrayLike<number>;
    if (opts.data === undefined) {
      if (file.sha256 !== extra.data.sha256)
        throw new Error(`${file.path} changed since the run was trained on it; pass --data to evaluate on a text of your choice.`);
      ids = tokenizeCorpus(file, tokenizer, model.config.blockSize).val;
    } else {
      try {
        ids = tokenizer.encode(file.text);
      } catch (error) {
        throw new Error(`the run's tokenizer (${tokenizer.name}) does not fit ${file.path}: ${(error as Error).message}`, { cause: error });
      }
      if (ids.length < 2) throw new Error(`${file.path} is too short to evaluate: it needs at least 2 tokens.`);
    }
    return {
      ...(await measureText(model, tokenizer, ids, resolveTrainConfig(training.config).batchSize)),
      text: file.path,
      split: opts.data === undefined ? `the val split, ${VAL_SHARE}` : 'the whole file',
    };
  } finally {
    model.dispose();
    tokenizer.dispose?.();
  }
}
