/**
 * What the training worker does for each request of protocol.ts, written against a store, a
 * `post` function and a backend starter only (no DOM or worker globals), so Node tests run it as
 * the worker does. Runs are set up as `scratchgpt train` sets them up (apps/trainer's run-setup.ts,
 * through the same library functions of `@scratchgpt/train`): the same preset, recipe, tokenizer,
 * seed and text give the CLI's initial weights, batches and checkpoint, so a checkpoint moves both
 * ways (downloaded and resumed with `scratchgpt train --resume`, or imported from one).
 *
 * - start: text → tokenizer → model → token ids → the run stored (settings and text) → `train`.
 * - resume: the stored checkpoint, text and settings → `train` with `resume` (and a new maxIters).
 * - import: a checkpoint file of `scratchgpt train`, checked, stored as a run with its text.
 * - measure: stored runs evaluated on their whole val split (`scratchgpt compare`'s measures).
 * - pause / continue / stop / attention: steer the run in training, between two steps.
 *
 * A backend that fails mid-run (a lost GPU, a wasm trap) is not the run's fault: the run goes on
 * from its last stored checkpoint on the next backend of the order, and nothing is lost. Every
 * other failure is reported in words, with what is safe in storage.
 */
import { DATASETS } from '@scratchgpt/data';
import { checkTokenizerFits, GPT, headsFor, MAX_PARAMETERS, parameterCount, type GPTConfig } from '@scratchgpt/model';
import { countChars, createTokenizer, loadTokenizer, type Tokenizer, type TokenizerJSON } from '@scratchgpt/tokenizers';
import {
  CheckpointError,
  charsCovered,
  configErrorIn,
  encodeSplits,
  measureText,
  medianTokensPerSec,
  NonFiniteLossError,
  presetOf,
  resolveTrainConfig,
  restoreCheckpoint,
  resumeConfig,
  runExtraOf,
  samplePrompt,
  TextTooShortError,
  tokenizerText,
  train,
  type AdamW,
  type CheckpointState,
  type CheckpointStore,
  type Metric,
  type RunExtra,
  type TrainConfig,
  type TrainResult,
} from '@scratchgpt/train';
import { loadCorpus, SHAKESPEARE_LABEL, SHAKESPEARE_PATH, type CorpusOptions, type LoadedCorpus } from './corpus';
import {
  TRAIN_BACKENDS,
  type CorpusSource,
  type DebugHooks,
  type MeasuredRun,
  type Report,
  type Request,
  type RunInfo,
  type RunSpec,
} from './protocol';
import { NUMBER_FIELDS } from './form';
import { newRunId, StorageFullError, type RunStore } from './store';

/**
 * Refuses, before anything is allocated, a model over the library's parameter budget
 * (`MAX_PARAMETERS`, `parameterCount`), with the fix in the form's words: the
 * library's own message names an option (`maxParameters`) a page user cannot pass.
 */
function checkFitsPage(config: GPTConfig, tokenizer: Tokenizer): void {
  const parameters = parameterCount(config);
  if (parameters <= MAX_PARAMETERS) return;
  const embedding = tokenizer.vocabSize * config.nEmbd;
  throw new Error(
    `This model would have ${parameters.toLocaleString('en-US')} parameters, more than the ${MAX_PARAMETERS.toLocaleString('en-US')} the page builds ` +
      `(4 bytes each); the ${tokenizer.name} tokenizer's ${tokenizer.vocabSize.toLocaleString('en-US')} ids × n-embd ${config.nEmbd} alone take ${embedding.toLocaleString('en-US')}. ` +
      'Choose a smaller n-embd or n-layer, or a tokenizer with fewer ids (char, or bpe with a smaller vocabulary).',
  );
}

/** Starts `choice` (or the first of `order` that starts, for `auto`), falling back along `order`: backend.ts's `selectBackend`. */
export type BackendStarter = (choice: string, order: readonly string[]) => Promise<{ name: string; note: string }>;

export interface SessionOptions {
  store: RunStore;
  /** Sends a report to the page. */
  post: (report: Report) => void;
  startBackend: BackendStarter;
  /** The backends in order of preference; one that fails mid-run hands over to the next. Default `TRAIN_BACKENDS`. */
  order?: readonly string[];
  /** How Tiny Shakespeare is fetched (the page's URL, for the copy beside it). */
  corpus?: CorpusOptions;
}

/** What the client tells the worker before any request (not a `Request`: the page's views never send it). */
export interface PageMessage {
  type: 'page';
  /** The page's URL: Tiny Shakespeare is looked for at `datasets/<file>` beside it first. */
  base: string;
}

/** The most tokens of the last sample the attention heatmap shows. */
export const ATTENTION_TOKENS = 32;

/** A setting as the Train view names it: its form field's label (`n-embd`, from `NUMBER_FIELDS`); others as they are. */
export const settingWord = (field: string): string | undefined => {
  const id = NUMBER_FIELDS.find((f) => f.key === field)?.id;
  return id === undefined ? undefined : `"${id}"`;
};

/**
 * A config error of the model or the recipe (`GPTConfig: …`, `TrainConfig: …`, read by
 * `configErrorIn`) as the page says it: `Invalid training setting: "batch-size" must be …`. Other
 * errors are returned as they are.
 */
export function asSettingError(error: unknown): Error {
  const found = configErrorIn(error, settingWord);
  if (found === undefined) return error instanceof Error ? error : new Error(String(error));
  return new Error(`Invalid ${found.kind} setting: ${found.text}`, { cause: error });
}

/** Errors of the run itself (its settings, text, numbers or storage): the same on every backend, so no fallback. */
function isRunError(error: unknown): boolean {
  return (
    error instanceof NonFiniteLossError ||
    error instanceof StorageFullError ||
    error instanceof CheckpointError ||
    error instanceof TextTooShortError ||
    /^(GPTConfig|TrainConfig|train): |does not fit the model and recipe/.test((error as Error)?.message ?? '')
  );
}

/** The error as a report: its message, and what is kept when it says. */
function errorReport(error: unknown): Report {
  const e = asSettingError(error);
  return e instanceof StorageFullError ? { type: 'error', message: e.message, kept: e.kept } : { type: 'error', message: e.message };
}

/** A copy without undefined fields (a form's empty field means the preset's value). */
const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;

/** Runs `f`, ignoring a failure (freeing tensors of a backend that just failed). */
function quietly(f: () => void): void {
  try {
    f();
  } catch {
    // the backend is being left
  }
}

/** A run set up for the loop: everything `train` takes, and the stored record it keeps up to date. */
interface PreparedRun {
  info: RunInfo;
  model: GPT;
  tokenizer: Tokenizer;
  ids: { train: ArrayLike<number>; val: ArrayLike<number> };
  /** The recipe as given to `train` (a resumed run's, with its changes). */
  config: TrainConfig;
  extra: RunExtra;
  resume?: { optimizer: AdamW; state: CheckpointState };
}

/** The run the worker trains (or last trained): what pause, stop and the attention heatmap act on. */
interface LiveRun {
  id: string;
  controller: AbortController;
  training: boolean;
  paused?: { promise: Promise<void>; resolve: () => void };
  model?: GPT;
  tokenizer?: Tokenizer;
  step: number;
  /** The last sample's ids. */
  sample: number[];
  view: { layer: number; head: number };
  /** An attention request that waits for the loop's next event. */
  attentionAsked: boolean;
}

export class TrainSession {
  private readonly store: RunStore;
  private readonly post: (report: Report) => void;
  private readonly startBackend: BackendStarter;
  private readonly order: readonly string[];
  private readonly corpusOptions: CorpusOptions;
  /** The backend in use (the last one started). */
  private backend: string | undefined;
  /** What the worker is doing, when it does one of the requests that cannot overlap. */
  private busy: 'training' | 'importing' | 'measuring' | undefined;
  private live: LiveRun | undefined;

  constructor(options: SessionOptions) {
    this.store = options.store;
    this.post = options.post;
    this.startBackend = options.startBackend;
    this.order = options.order ?? TRAIN_BACKENDS;
    this.corpusOptions = options.corpus ?? {};
  }

  /** Sets where Tiny Shakespeare is looked for first (the page tells the worker its URL). */
  setBase(base: string): void {
    this.corpusOptions.base = base;
  }

  /** Handles one request; every failure becomes an 'error' report in words. Resolves when the request is done (a start: when its run ends). */
  async handle(request: Request): Promise<void> {
    try {
      switch (request.type) {
        case 'start':
          return await this.exclusive('training', () => this.start(request.spec, request.backend, request.debug));
        case 'resume':
          return await this.exclusive('training', () => this.resume(request));
        case 'import':
          return await this.exclusive('importing', () => this.import(request.name, request.checkpoint, request.corpus));
        case 'measure':
          return await this.exclusive('measuring', () => this.measure(request.ids, request.backend));
        case 'pause':
          return this.pause();
        case 'continue':
          return this.continue();
        case 'stop':
          return this.stop();
        case 'attention':
          return await this.attention(request.layer, request.head);
        default:
          throw new Error(
            `Unknown request ${JSON.stringify((request as { type?: unknown }).type)}; the page and the worker are of different versions: reload the page.`,
          );
      }
    } catch (error) {
      this.post(errorReport(error));
    }
  }

  /** Runs `work` unless another request of its kind is under way (then says so). */
  private async exclusive(kind: NonNullable<TrainSession['busy']>, work: () => Promise<void>): Promise<void> {
    if (this.busy !== undefined) {
      const doing = {
        training: 'A run is already training; stop it first.',
        importing: 'A checkpoint is being imported; wait for it to finish.',
        measuring: 'Runs are being measured; wait for the table.',
      };
      throw new Error(doing[this.busy]);
    }
    this.busy = kind;
    try {
      this.release(); // the last run's model (kept for the heatmap) gives its memory to this one
      await work();
    } finally {
      this.busy = undefined;
      if (this.live !== undefined) this.live.training = false;
    }
  }

  private release(): void {
    this.live?.model?.dispose();
    this.live?.tokenizer?.dispose?.();
    this.live = undefined;
  }

  /** Starts `choice`, falling back along `order`, and tells the page. */
  private async useBackend(choice: string, order: readonly string[] = this.order): Promise<void> {
    const active = await this.startBackend(choice, order);
    this.backend = active.name;
    this.post({ type: 'backend', name: active.name, note: active.note });
  }

  private status(text: string): void {
    this.post({ type: 'status', text });
  }

  // start ------------------------------------------------------------------------------------------

  /** A new run, set up as `scratchgpt train`'s newRun: preset, recipe, heads, tokenizer, model (seeded), ids. */
  private async start(spec: RunSpec, backend: string, debug?: DebugHooks): Promise<void> {
    const live = this.begin();
    // 1. The backend and the text.
    await this.useBackend(backend);
    this.status(spec.corpus.kind === 'shakespeare' ? `fetching ${SHAKESPEARE_LABEL}…` : 'reading the text…');
    const corpus = await loadCorpus(spec.corpus, this.corpusOptions);
    // 2. The recipe and the model's shape: the preset's, with the form's fields over them.
    const preset = presetOf(spec.preset);
    const given = defined(spec.model);
    const config: TrainConfig = { ...preset.train, ...defined(spec.train) };
    const { seed } = resolveTrainConfig(config); // a bad field is reported in the form's words (errorReport)
    const settings = { ...preset.model, ...given } as Omit<GPTConfig, 'vocabSize'>;
    const nHead = given.nHead ?? headsFor(settings.attention, settings.nHead);
    // 3. The tokenizer (a BPE is trained on the train split only), the model and the token ids.
    if (spec.tokenizer.startsWith('bpe:')) this.status(`training the ${spec.tokenizer} tokenizer on the train split of ${corpus.label}…`);
    const tokenizer = createTokenizer(spec.tokenizer, tokenizerText(spec.tokenizer, corpus.text));
    live.tokenizer = tokenizer;
    const modelConfig: GPTConfig = { ...settings, nHead, vocabSize: tokenizer.vocabSize };
    checkFitsPage(modelConfig, tokenizer);
    const model = new GPT(modelConfig, { seed });
    live.model = model;
    const ids = encodeSplits(corpus.text, tokenizer, model.config.blockSize, corpus.label);
    // 4. The run in storage before the first step, so a reload finds it.
    const info: RunInfo = {
      id: newRunId(),
      name: spec.name,
      created: new Date().toISOString(),
      corpus: { label: corpus.label, sha256: corpus.sha256, chars: countChars(corpus.text) },
      tokenizer: { name: tokenizer.name, vocabSize: tokenizer.vocabSize },
      preset: spec.preset,
      model: model.config,
      train: config,
      params: model.numParams(),
      valTokensPerChar: (ids.val.length - 1) / charsCovered(tokenizer, ids.val),
      step: 0,
      metrics: [],
      finished: false,
      backend: this.backend,
    };
    live.id = info.id;
    await this.store.saveCorpus(corpus.sha256, corpus.text);
    await this.store.saveInfo(info);
    this.post({ type: 'run', run: info });
    // 5. Train.
    const extra: RunExtra = { preset: spec.preset, data: { path: corpus.path, sha256: corpus.sha256 } };
    await this.trainRun({ info, model, tokenizer, ids, config, extra }, live, debug);
  }

  /** The live run of a start or resume (its id is set once known). */
  private begin(): LiveRun {
    this.live = {
      id: '',
      controller: new AbortController(),
      training: true,
      step: 0,
      sample: [],
      view: { layer: 0, head: 0 },
      attentionAsked: false,
    };
    return this.live;
  }

  // resume -----------------------------------------------------------------------------------------

  /** A stored run from its checkpoint, as `scratchgpt train --resume`'s resumeRun (a new maxIters through resumeConfig). */
  private async resume(request: Extract<Request, { type: 'resume' }>): Promise<void> {
    const live = this.begin();
    live.id = request.id;
    const info = await this.store.info(request.id);
    if (info === undefined)
      throw new Error(`No run ${request.id} in this browser's storage (it was deleted); import its checkpoint to train it again.`);
    const bytes = await this.store.loadCheckpoint(info.id);
    if (bytes === undefined)
      throw new Error(
        `Run "${info.name}" has no checkpoint yet: it stopped before its first evaluation (every ${resolveTrainConfig(info.train).evalInterval} steps), so there is nothing to resume. Start it again.`,
      );
    await this.useBackend(request.backend);
    const text = await this.textOf(info, request.corpus);
    const { model, optimizer, state } = this.restore(bytes, `The stored checkpoint of run "${info.name}"`);
    live.model = model;
    let prepared: PreparedRun;
    try {
      const extra = runExtraOf(state);
      if (extra === undefined || state.training === undefined)
        throw new Error(`The stored checkpoint of run "${info.name}" has no run settings in it; it cannot be resumed.`);
      const tokenizer = this.tokenizerOf(state, model, `run "${info.name}"`);
      live.tokenizer = tokenizer;
      const ids = encodeSplits(text, tokenizer, model.config.blockSize, info.corpus.label);
      const config =
        request.maxIters === undefined ? state.training.config : resumeConfig(state.training.config, { maxIters: request.maxIters }).config;
      // The checkpoint is the truth: a record written before a crash can be a checkpoint behind it.
      const record: RunInfo = { ...info, train: config, step: state.step, metrics: state.training.metrics };
      prepared = { info: record, model, tokenizer, ids, config, extra, resume: { optimizer, state } };
    } catch (error) {
      optimizer.dispose(); // from here on, trainRun disposes it
      throw error;
    }
    if (prepared.info.step !== info.step) {
      await this.store.saveInfo(prepared.info);
      this.post({ type: 'run', run: prepared.info });
    }
    await this.trainRun(prepared, live, request.debug);
  }

  /** A checkpoint's model and optimizer; a file that is not one says so. */
  private restore(bytes: Uint8Array, what: string): ReturnType<typeof restoreCheckpoint> {
    try {
      return restoreCheckpoint(bytes);
    } catch (error) {
      throw new Error(`${what} is not a scratchgpt checkpoint: ${(error as Error).message}`, { cause: error });
    }
  }

  /** A checkpoint's tokenizer, checked against its model. */
  private tokenizerOf(state: CheckpointState, model: GPT, what: string): Tokenizer {
    if (state.tokenizer === undefined)
      throw new Error(`The checkpoint of ${what} holds no tokenizer; it was not written by scratchgpt train.`);
    let tokenizer: Tokenizer | undefined;
    try {
      tokenizer = loadTokenizer(state.tokenizer as TokenizerJSON);
      checkTokenizerFits(model, tokenizer, "the checkpoint's tokenizer");
      return tokenizer;
    } catch (error) {
      tokenizer?.dispose?.();
      throw new Error(`The checkpoint of ${what} holds a tokenizer that does not fit its model: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /**
   * A stored run's text: from storage (by its sha256); Tiny Shakespeare fetched again; else the text
   * `given`, when it is the run's (same sha256). Otherwise the error says which text to pick.
   */
  private async textOf(info: Pick<RunInfo, 'name' | 'corpus'>, given?: CorpusSource): Promise<string> {
    const { sha256, label } = info.corpus;
    const stored = await this.store.loadCorpus(sha256);
    if (stored !== undefined) return stored;
    let corpus: LoadedCorpus;
    if (sha256 === DATASETS.shakespeare!.sha256) {
      this.status(`fetching ${SHAKESPEARE_LABEL}…`);
      corpus = await loadCorpus({ kind: 'shakespeare' }, this.corpusOptions);
    } else if (given !== undefined) {
      corpus = await loadCorpus(given, this.corpusOptions);
      if (corpus.sha256 !== sha256)
        throw new Error(
          `${corpus.label} is not the text run "${info.name}" was trained on: its sha256 is ${corpus.sha256.slice(0, 12)}…, the run's text (${label}) has ${sha256.slice(0, 12)}…. Pick ${label}, unchanged.`,
        );
    } else {
      throw new Error(
        `The text of run "${info.name}" (${label}, sha256 ${sha256.slice(0, 12)}…) is not in this browser's storage; pick that text (the same file, unchanged) to go on.`,
      );
    }
    await this.store.saveCorpus(corpus.sha256, corpus.text);
    return corpus.text;
  }

  // the loop ---------------------------------------------------------------------------------------

  /**
   * Trains a prepared run with the library's loop, posting its events and storing its checkpoints;
   * a backend failing mid-run hands over to the next backend of the order, from the last stored
   * checkpoint (or from the start when none was stored yet). Disposes the optimizer; the model
   * stays live (for the heatmap) until the next run.
   */
  private async trainRun(run: PreparedRun, live: LiveRun, debug?: DebugHooks): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      let result: TrainResult;
      try {
        result = await this.trainOnce(run, live, attempt === 0 ? debug : undefined);
      } catch (error) {
        quietly(() => run.resume?.optimizer.dispose()); // on a lost device, freeing may fail too: nothing to keep there
        run.resume = undefined;
        const from = this.backend ?? 'unknown';
        const rest = this.order.slice(this.order.indexOf(from) + 1);
        if (isRunError(error) || rest.length === 0 || live.controller.signal.aborted) {
          live.training = false;
          throw this.stopped(error, run.info);
        }
        // A backend failure: the next backend, from the last checkpoint in storage.
        quietly(() => run.model.dispose());
        live.model = undefined;
        await this.useBackend(rest[0]!, rest); // never back to the one that failed
        const bytes = await this.store.loadCheckpoint(run.info.id);
        if (bytes === undefined) {
          run.model = new GPT(run.info.model, { seed: resolveTrainConfig(run.config).seed }); // the same initial weights
        } else {
          const restored = this.restore(bytes, `The stored checkpoint of run "${run.info.name}"`);
          run.model = restored.model;
          run.resume = { optimizer: restored.optimizer, state: restored.state };
        }
        live.model = run.model;
        this.post({
          type: 'fallback',
          id: run.info.id,
          from,
          to: this.backend!,
          reason: (error as Error)?.message ?? String(error),
          step: run.resume?.state.step ?? 0,
        });
        continue;
      }
      run.resume?.optimizer.dispose();
      live.training = false;
      const recipe = resolveTrainConfig(run.config);
      run.info = {
        ...run.info,
        step: result.step,
        metrics: result.metrics,
        finished: !result.interrupted && result.step >= recipe.maxIters,
        backend: this.backend,
      };
      await this.store.saveInfo(run.info);
      this.post({ type: 'done', id: run.info.id, step: result.step, interrupted: result.interrupted, run: run.info });
      return;
    }
  }

  /** A run that stopped on an error: the error in words, with what is kept in storage. */
  private stopped(error: unknown, info: RunInfo): Error {
    if (error instanceof StorageFullError || error instanceof NonFiniteLossError) return error; // they say what is kept
    const e = asSettingError(error);
    if (info.step === 0) return e;
    return new Error(`${e.message} Run "${info.name}" is kept at its last checkpoint (step ${info.step}).`, { cause: error });
  }

  /** One call of the loop on the current backend. */
  private async trainOnce(run: PreparedRun, live: LiveRun, debug?: DebugHooks): Promise<TrainResult> {
    const { model, tokenizer } = run;
    const id = run.info.id;
    const recipe = resolveTrainConfig(run.config);
    const metrics: Metric[] = [...(run.resume?.state.training?.metrics ?? [])];
    live.step = run.resume?.state.step ?? 0;
    let smoothed = 0;
    const tokensPerStep = recipe.batchSize * model.config.blockSize * recipe.gradAccum;
    const checkpoints: CheckpointStore = {
      save: (bytes) => this.store.saveCheckpoint(id, bytes, live.step),
      load: () => this.store.loadCheckpoint(id),
    };
    return train(model, {
      data: run.ids,
      config: run.config,
      resume: run.resume,
      checkpoints,
      tokenizer: tokenizer.toJSON(),
      extra: { ...run.extra },
      samplePrompt: samplePrompt(tokenizer),
      signal: live.controller.signal,
      onEvent: async (event) => {
        switch (event.type) {
          case 'start':
            this.post({
              type: 'started',
              id,
              step: event.step,
              maxIters: recipe.maxIters,
              tokensPerStep: event.tokensPerStep,
              resumed: event.resumed,
            });
            break;
          case 'step': {
            const m = event.metric;
            metrics.push(m);
            live.step = m.step;
            smoothed = smoothed === 0 ? m.tokensPerSec : 0.9 * smoothed + 0.1 * m.tokensPerSec; // as the CLI's progress bar
            const etaSeconds = smoothed > 0 ? (Math.max(0, recipe.maxIters - m.step) * tokensPerStep) / smoothed : 0;
            this.post({ type: 'step', id, metric: m, smoothedTokensPerSec: smoothed, etaSeconds });
            if (debug?.failAtStep === m.step) throw new Error(`injected backend failure at step ${m.step} (test hook ?fail-at-step)`);
            break;
          }
          case 'eval':
            metrics.push(event.metric);
            live.step = event.metric.step;
            this.post({ type: 'eval', id, metric: event.metric });
            break;
          case 'sample':
            live.sample = event.ids;
            this.post({ type: 'sample', id, step: event.step, text: tokenizer.decode(event.ids) });
            live.attentionAsked = true;
            break;
          case 'checkpoint':
            run.info = { ...run.info, step: event.step, metrics: [...metrics], backend: this.backend };
            await this.store.saveInfo(run.info);
            this.post({ type: 'checkpoint', id, step: event.step });
            break;
        }
        if (live.attentionAsked) await this.postAttention(live);
        if (live.paused !== undefined && !live.controller.signal.aborted) {
          this.post({ type: 'paused', id, step: live.step });
          await live.paused.promise;
          this.post({ type: 'continued', id });
        }
      },
    });
  }

  // steering ---------------------------------------------------------------------------------------

  private training(what: string): LiveRun {
    if (this.live?.training !== true) throw new Error(`No run is training, so there is nothing to ${what}.`);
    return this.live;
  }

  private pause(): void {
    const live = this.training('pause');
    if (live.paused !== undefined) return;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    live.paused = { promise, resolve };
  }

  private continue(): void {
    const live = this.training('continue');
    live.paused?.resolve();
    live.paused = undefined;
  }

  private stop(): void {
    const live = this.training('stop');
    live.controller.abort();
    live.paused?.resolve(); // a paused loop goes on to see the stop, and saves
    live.paused = undefined;
  }

  /** Shows another layer and head: now when the loop is between steps (paused, or ended), else at its next event. */
  private async attention(layer: number, head: number): Promise<void> {
    const live = this.live;
    if (live?.model === undefined) return; // nothing to show yet (a run still setting up): the first sample brings the heatmap
    const { nLayer, nHead } = live.model.config;
    if (!Number.isInteger(layer) || layer < 0 || layer >= nLayer || !Number.isInteger(head) || head < 0 || head >= nHead)
      throw new Error(`Layer ${layer}, head ${head} is not in this model: it has layers 0 to ${nLayer - 1} and heads 0 to ${nHead - 1}.`);
    live.view = { layer, head };
    if (live.training && live.paused === undefined) live.attentionAsked = true;
    else await this.postAttention(live);
  }

  /** The attention weights of the live model over the last tokens of its last sample, for the view's layer and head. */
  private async postAttention(live: LiveRun): Promise<void> {
    live.attentionAsked = false;
    const { model, tokenizer } = live;
    if (model === undefined || tokenizer === undefined || live.sample.length === 0) return;
    const { nLayer, nHead, blockSize } = model.config;
    const { layer, head } = live.view; // as asked now: another request may change the view while this one computes
    const ids = live.sample.slice(-Math.min(ATTENTION_TOKENS, blockSize));
    let weights: number[][][];
    try {
      weights = await model.attentionWeights(ids, layer);
    } catch (error) {
      // The heatmap is a view of the run, not the run: its failure is said, and training goes on.
      this.status(`The attention heatmap could not be drawn: ${(error as Error).message}`);
      return;
    }
    this.post({
      type: 'attention',
      id: live.id,
      step: live.step,
      layer,
      head,
      nLayer,
      nHead,
      weights: weights[head]!,
      labels: ids.map((i) => tokenizer.decode([i])),
    });
  }

  // import -----------------------------------------------------------------------------------------

  /** A checkpoint written by `scratchgpt train`, checked as loadRun checks it, stored as a run with its text. */
  private async import(name: string, checkpoint: ArrayBuffer, given?: CorpusSource): Promise<void> {
    if (this.backend === undefined) await this.useBackend('auto');
    const bytes = new Uint8Array(checkpoint);
    this.status('checking the checkpoint…');
    const { model, optimizer, state } = this.restore(bytes, 'The file');
    optimizer.dispose();
    let tokenizer: Tokenizer | undefined;
    try {
      const extra = runExtraOf(state);
      if (extra === undefined || state.training === undefined || state.tokenizer === undefined)
        throw new Error(
          'The file is a checkpoint, but not one written by scratchgpt train (no run settings in it); it cannot be trained on here.',
        );
      tokenizer = this.tokenizerOf(state, model, 'the file');
      // The text: Tiny Shakespeare is fetched; any other must be given, and be the run's.
      let corpus: LoadedCorpus;
      if (extra.data.path === SHAKESPEARE_PATH || extra.data.sha256 === DATASETS.shakespeare!.sha256) {
        this.status(`fetching ${SHAKESPEARE_LABEL}…`);
        corpus = await loadCorpus({ kind: 'shakespeare' }, this.corpusOptions);
      } else if (given !== undefined) {
        corpus = await loadCorpus(given, { ...this.corpusOptions, encoding: extra.data.encoding });
      } else {
        throw new Error(
          `The checkpoint was trained on ${extra.data.path} (sha256 ${extra.data.sha256.slice(0, 12)}…), not Tiny Shakespeare: pick that text too, unchanged, to import it.`,
        );
      }
      if (corpus.sha256 !== extra.data.sha256)
        throw new Error(
          `${corpus.label} is not the text the checkpoint was trained on (${extra.data.path}): its sha256 is ${corpus.sha256.slice(0, 12)}…, the checkpoint's ${extra.data.sha256.slice(0, 12)}…. Pick ${extra.data.path}, unchanged.`,
        );
      const ids = encodeSplits(corpus.text, tokenizer, model.config.blockSize, corpus.label);
      const info: RunInfo = {
        id: newRunId(),
        name: `${name} (imported: ${tokenizer.name}, step ${state.step})`,
        created: new Date().toISOString(),
        corpus: { label: corpus.label, sha256: corpus.sha256, chars: countChars(corpus.text) },
        tokenizer: { name: tokenizer.name, vocabSize: tokenizer.vocabSize },
        preset: extra.preset,
        model: state.config,
        train: state.training.config,
        params: model.numParams(),
        valTokensPerChar: (ids.val.length - 1) / charsCovered(tokenizer, ids.val),
        step: state.step,
        metrics: state.training.metrics,
        finished: state.step >= resolveTrainConfig(state.training.config).maxIters,
      };
      // The checkpoint before the record that lists it: a run is never listed with a checkpoint it lacks.
      try {
        await this.store.saveCorpus(corpus.sha256, corpus.text);
        await this.store.saveCheckpoint(info.id, bytes, state.step);
        await this.store.saveInfo(info);
      } catch (error) {
        await this.store.remove(info.id).catch(() => undefined); // nothing half-imported stays behind
        throw error;
      }
      this.post({ type: 'run', run: info });
    } finally {
      model.dispose();
      tokenizer?.dispose?.();
    }
  }

  // measure ----------------------------------------------------------------------------------------

  /** `scratchgpt compare`'s measures of stored runs: the whole val split evaluated once, bits per character, median tokens/s. */
  private async measure(ids: readonly string[], backend: string): Promise<void> {
    await this.useBackend(backend);
    const rows: MeasuredRun[] = [];
    for (const [i, id] of ids.entries()) {
      try {
        rows.push(await this.measureRun(id, `${i + 1} of ${ids.length}`));
      } catch (error) {
        this.post(errorReport(error)); // the others are still measured
      }
    }
    this.post({ type: 'measured', rows });
  }

  private async measureRun(id: string, progress: string): Promise<MeasuredRun> {
    const info = await this.store.info(id);
    if (info === undefined) throw new Error(`No run ${id} in this browser's storage; it cannot be measured.`);
    const bytes = await this.store.loadCheckpoint(id);
    if (bytes === undefined)
      throw new Error(`Run "${info.name}" has no checkpoint yet (it stopped before its first evaluation), so it cannot be measured.`);
    const text = await this.textOf(info);
    this.status(`measuring "${info.name}" on its whole val split (${progress})…`);
    const { model, optimizer, state } = this.restore(bytes, `The stored checkpoint of run "${info.name}"`);
    optimizer.dispose();
    let tokenizer: Tokenizer | undefined;
    try {
      const training = state.training;
      if (training === undefined)
        throw new Error(`The stored checkpoint of run "${info.name}" has no training state; it cannot be measured.`);
      tokenizer = this.tokenizerOf(state, model, `run "${info.name}"`);
      const split = encodeSplits(text, tokenizer, model.config.blockSize, info.corpus.label);
      const val = await measureText(model, tokenizer, split.val, resolveTrainConfig(training.config).batchSize);
      const tokensPerSec = medianTokensPerSec(training.metrics);
      const charsPerToken = val.chars / val.tokens;
      return {
        id,
        name: info.name,
        tokenizer: tokenizer.name,
        attention: model.config.attention,
        vocabSize: tokenizer.vocabSize,
        params: model.numParams(),
        charsPerToken,
        blockTokens: model.config.blockSize,
        steps: state.step,
        tokensPerSec,
        charsPerSec: tokensPerSec * charsPerToken,
        trainSeconds: training.trainSeconds,
        seconds: training.seconds,
        valLossPerToken: val.valLoss,
        valBitsPerChar: val.bitsPerChar,
        valTokens: val.tokens,
        valChars: val.chars,
        backend: info.backend ?? 'unknown (imported)',
      };
    } finally {
      model.dispose();
      tokenizer?.dispose?.();
    }
  }
}
