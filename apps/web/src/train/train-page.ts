/**
 * The Train view (train.html): set up a run (text, tokenizer, preset, attention and nanoGPT's main
 * flags), start, pause, continue and stop it, and watch it live: step, losses, tokens/s, ETA, a
 * loss chart, the latest sample and an attention heatmap. Every stored run is listed, to resume,
 * download (the CLI's `ckpt.safetensors`) or delete; a checkpoint of `scratchgpt train` imports.
 *
 * All the work is in the training worker (TrainClient, protocol.ts): the page only sends requests
 * and shows reports, so it never freezes. It reads the runs through the store (store.ts).
 *
 * Hooks for tests and scripts (data-testid; the form's inputs also by id, which the URL prefills:
 * `?max-iters=30&n-embd=16&backend=wasm&fail-at-step=5`): start, pause, continue, stop;
 * `train-status` with data-state (idle | setting-up | running | paused | done | error), data-run-id,
 * data-step, data-start-step, data-first-loss, data-last-loss, data-last-val-loss,
 * data-checkpoint-step; train-backend-active, tokens-per-second, eta, loss-chart (data-points),
 * sample, attention (the heatmap canvas, data-state="drawn"), status-line, notice, error; run-row
 * (data-run-id, data-step) with resume-max-iters, resume, download, delete; import-checkpoint,
 * import-corpus, import; `body[data-ready]` once the page has started. The attention kind's select
 * is `#attention` (data-testid "attention-kind": "attention" is the heatmap's, as in the sampler).
 */
import { attentionKinds } from '@scratchgpt/attention';
import { MAX_TEXT_BYTES, textTooLargeError } from '@scratchgpt/data';
import { isOneHead } from '@scratchgpt/model';
import { TOKENIZER_SPECS } from '@scratchgpt/tokenizers/core';
import { DEFAULT_PRESET, PRESETS, resolveTrainConfig, type Metric } from '@scratchgpt/train';
import { drawHeatmap } from '../heatmap';
import { lineChart, type Point } from './chart';
import { TrainClient } from './client';
import { CORPUS_KINDS, NUMBER_FIELDS, presetValues, readUrl, specFromForm, type FormValues, type NumberFieldId } from './form';
import { fallbackNotice, formatDuration, formatParams, lastValLoss } from './format';
import { TRAIN_BACKENDS, type CorpusSource, type Report, type RunInfo, type TrainBackend } from './protocol';
import { opfsStore } from './store';

type State = 'idle' | 'setting-up' | 'running' | 'paused' | 'done' | 'error';
const BUSY: ReadonlySet<State> = new Set(['setting-up', 'running', 'paused']);
/** How long a delete button waits for its second click. */
const DELETE_ARM_MS = 4000;

const $ = <T extends HTMLElement>(id: string) => {
  const node = document.getElementById(id);
  if (!node) throw new Error(`train.html has no element #${id}; the page and train-page.ts disagree.`);
  return node as T;
};
const ui = {
  backend: $<HTMLSelectElement>('train-backend'),
  backendActive: $('train-backend-active'),
  form: $<HTMLFormElement>('train-form'),
  corpusKind: $<HTMLSelectElement>('corpus-kind'),
  corpusDrop: $('corpus-drop'),
  corpusFile: $<HTMLInputElement>('corpus-file'),
  corpusFileName: $('corpus-file-name'),
  corpusText: $<HTMLTextAreaElement>('corpus-text'),
  tokenizer: $<HTMLInputElement>('tokenizer'),
  tokenizerHint: $('tokenizer-hint'),
  preset: $<HTMLSelectElement>('preset'),
  presetDescription: $('preset-description'),
  attention: $<HTMLSelectElement>('attention'),
  runName: $<HTMLInputElement>('run-name'),
  start: $<HTMLButtonElement>('start'),
  pause: $<HTMLButtonElement>('pause'),
  continue: $<HTMLButtonElement>('continue'),
  stop: $<HTMLButtonElement>('stop'),
  status: $('train-status'),
  tps: $('tokens-per-second'),
  eta: $('eta'),
  statusLine: $('status-line'),
  notice: $('notice'),
  error: $('error'),
  chart: document.getElementById('loss-chart') as unknown as SVGSVGElement,
  sample: $('sample'),
  layer: $<HTMLSelectElement>('attn-layer'),
  head: $<HTMLSelectElement>('attn-head'),
  heatmap: $<HTMLCanvasElement>('heatmap'),
  runs: $('runs'),
  runsEmpty: $('runs-empty'),
  importCheckpoint: $<HTMLInputElement>('import-checkpoint'),
  importCorpus: $<HTMLInputElement>('import-corpus'),
  import: $<HTMLButtonElement>('import'),
};
/** The number inputs, made from NUMBER_FIELDS (form.ts) into the Model and Training fieldsets. */
const numbers = {} as Record<NumberFieldId, HTMLInputElement>;

const store = opfsStore();
let client: TrainClient | undefined;
let state: State = 'idle';
/** The file picked or dropped for the `file` corpus. */
let corpusFile: File | undefined;
/** Test hooks from the URL, sent with each start and resume. */
let debug: { failAtStep?: number } = {};
/** The run on screen: its id, budget, and this session's first loss. */
const live = { id: '', step: 0, maxIters: 0, firstLoss: undefined as number | undefined, stopping: false };
/** The loss chart's points: train loss per step, and train and val estimates at evaluations. */
const curve = { steps: [] as Point[], evalTrain: [] as Point[], evalVal: [] as Point[] };
/** Stored runs by id, as last listed. */
const runs = new Map<string, RunInfo>();

// 1. Words on the page: errors, notices, the status.

function showError(error: unknown, kept?: string): void {
  const message = error instanceof Error ? error.message : String(error);
  ui.error.textContent = kept ? `${message} ${kept}` : message;
  ui.error.hidden = false;
}
const clearError = () => {
  ui.error.hidden = true;
  ui.error.textContent = '';
};
function showNotice(text: string): void {
  ui.notice.textContent = text;
  ui.notice.hidden = false;
}

/** Sets the run's state: the status element, its words and which buttons work. */
function setState(next: State, words?: string): void {
  state = next;
  ui.status.dataset.state = next;
  const busy = BUSY.has(next);
  ui.start.disabled = busy || client === undefined;
  ui.pause.disabled = next !== 'running';
  ui.continue.disabled = next !== 'paused';
  ui.stop.disabled = !busy || live.stopping;
  ui.import.disabled = busy;
  for (const row of rows.values()) row.sync();
  ui.status.textContent = words ?? statusWords();
}

function statusWords(): string {
  const of = `step ${live.step} / ${live.maxIters}`;
  switch (state) {
    case 'idle':
      return 'idle';
    case 'setting-up':
      return 'setting up…';
    case 'running':
      return live.stopping ? `${of}, stopping…` : of;
    case 'paused':
      return `paused at ${of}`;
    case 'done':
      return `done: ${of}`;
    case 'error':
      return 'stopped by an error (below)';
  }
}

function setData(name: string, value: number | string | undefined): void {
  if (value === undefined) delete ui.status.dataset[name];
  else ui.status.dataset[name] = String(value);
}

// 2. The loss chart: drawn at most every 200 ms while steps stream in, at once on evaluations and at the end.

let chartTimer: ReturnType<typeof setTimeout> | undefined;
function drawChart(now = false): void {
  if (!now) {
    chartTimer ??= setTimeout(() => drawChart(true), 200);
    return;
  }
  if (chartTimer !== undefined) clearTimeout(chartTimer);
  chartTimer = undefined;
  lineChart(
    ui.chart,
    [
      { name: 'train loss (each step)', points: curve.steps, style: 'line' },
      { name: 'train (evaluation)', points: curve.evalTrain, style: 'markers' },
      { name: 'val (evaluation)', points: curve.evalVal, style: 'markers' },
    ],
    { xTitle: 'step', yTitle: 'loss (nats per token)' },
  );
}

/** Puts a stored run's metrics up to `upTo` on the chart (a resumed run's history). */
function seedChart(metrics: readonly Metric[], upTo: number): void {
  curve.steps = [];
  curve.evalTrain = [];
  curve.evalVal = [];
  for (const m of metrics) if (m.step <= upTo) addMetric(m);
  drawChart(true);
}

function addMetric(m: Metric): void {
  if (m.valLoss === undefined) curve.steps.push({ x: m.step, y: m.loss });
  else {
    curve.evalTrain.push({ x: m.step, y: m.loss });
    curve.evalVal.push({ x: m.step, y: m.valLoss });
  }
}

/** Clears the live panel for a new start or resume of `id` ('' until the worker names a new run). */
function resetLive(id: string, maxIters: number): void {
  Object.assign(live, { id, step: 0, maxIters, firstLoss: undefined, stopping: false });
  for (const name of ['runId', 'startStep', 'firstLoss', 'lastLoss', 'lastValLoss', 'checkpointStep']) setData(name, undefined);
  setData('runId', id || undefined);
  setData('step', 0);
  ui.tps.textContent = '–';
  ui.eta.textContent = '–';
  ui.statusLine.textContent = '';
  ui.notice.hidden = true;
  ui.sample.textContent = 'No sample yet: one comes at each evaluation (set sample-tokens above 0).';
  delete ui.sample.dataset.step;
  delete ui.heatmap.dataset.state;
  clearError();
  seedChart([], 0);
}

// 3. Reports from the worker.

function onReport(r: Report): void {
  switch (r.type) {
    case 'backend':
      ui.backendActive.textContent = r.name;
      ui.backendActive.title = r.note;
      break;
    case 'run':
      runs.set(r.run.id, r.run);
      if (!BUSY.has(state)) ui.statusLine.textContent = ''; // an import is done
      if (state === 'setting-up' && live.id === '') {
        live.id = r.run.id;
        setData('runId', r.run.id);
      }
      void refreshRuns();
      break;
    case 'started':
      live.id = r.id;
      live.step = r.step;
      live.maxIters = r.maxIters;
      setData('runId', r.id);
      ui.statusLine.textContent = ''; // the set-up's words are done with
      if (ui.status.dataset.startStep === undefined) setData('startStep', r.step); // not moved by a fallback's restart
      setData('step', r.step);
      if (r.resumed && curve.steps.length === 0) seedChart(runs.get(r.id)?.metrics ?? [], r.step);
      setState('running');
      break;
    case 'step': {
      const m = r.metric;
      live.step = m.step;
      live.firstLoss ??= m.loss;
      setData('step', m.step);
      setData('firstLoss', live.firstLoss);
      setData('lastLoss', m.loss);
      ui.tps.textContent = r.smoothedTokensPerSec.toFixed(0);
      ui.eta.textContent = formatDuration(r.etaSeconds);
      addMetric(m);
      drawChart();
      if (state === 'running') ui.status.textContent = statusWords();
      break;
    }
    case 'eval':
      if (r.metric.valLoss !== undefined) setData('lastValLoss', r.metric.valLoss);
      addMetric(r.metric);
      drawChart(true);
      break;
    case 'sample':
      ui.sample.textContent = `step ${r.step}:\n${r.text}`;
      ui.sample.dataset.step = String(r.step);
      break; // the worker sends the heatmap of this sample next
    case 'checkpoint':
      setData('checkpointStep', r.step);
      void refreshRuns();
      break;
    case 'attention':
      showAttention(r);
      break;
    case 'paused':
      live.step = r.step;
      setState('paused');
      break;
    case 'continued':
      setState('running');
      break;
    case 'done':
      live.step = r.step;
      setData('step', r.step);
      runs.set(r.run.id, r.run);
      drawChart(true);
      ui.eta.textContent = '–';
      setState(
        'done',
        r.interrupted
          ? `stopped at step ${r.step} / ${live.maxIters}; the checkpoint is saved (resume it from the list)`
          : `done: step ${r.step} / ${live.maxIters}`,
      );
      void refreshRuns();
      break;
    case 'fallback':
      showNotice(fallbackNotice(r, live.step));
      ui.backendActive.textContent = r.to;
      // The run goes on from the checkpoint: the steps after it are trained again.
      for (const key of ['steps', 'evalTrain', 'evalVal'] as const) curve[key] = curve[key].filter((p) => p.x <= r.step);
      drawChart(true);
      break;
    case 'status':
      ui.statusLine.textContent = r.text;
      break;
    case 'error':
      showError(r.message, r.kept);
      ui.statusLine.textContent = '';
      if (BUSY.has(state)) setState('error');
      void refreshRuns();
      break;
    case 'measured':
      break; // the Compare view's
  }
}

// 4. The attention heatmap: the worker sends one after each sample; the page asks again when the layer or head changes.

function askAttention(): void {
  if (!client || live.id === '') return;
  client.send({ type: 'attention', layer: Number(ui.layer.value || 0), head: Number(ui.head.value || 0) });
}

function fillSelect(select: HTMLSelectElement, count: number): void {
  if (select.options.length === count) return;
  const keep = Number(select.value || 0);
  select.replaceChildren(...Array.from({ length: count }, (_, i) => new Option(String(i), String(i))));
  select.value = String(Math.min(keep, count - 1));
}

function showAttention(r: Extract<Report, { type: 'attention' }>): void {
  fillSelect(ui.layer, r.nLayer);
  fillSelect(ui.head, r.nHead);
  ui.layer.value = String(r.layer);
  ui.head.value = String(r.head);
  drawHeatmap(ui.heatmap, r.weights, r.labels);
  ui.heatmap.dataset.state = 'drawn';
  ui.heatmap.title = `layer ${r.layer}, head ${r.head}, at step ${r.step}`;
}

// 5. The form: the corpus, a preset's values, the spec of a new run.

function showCorpusKind(): void {
  const kind = ui.corpusKind.value;
  ui.corpusDrop.hidden = kind !== 'file';
  ui.corpusText.hidden = kind !== 'text';
}

function setCorpusFile(file: File | undefined): void {
  corpusFile = file;
  ui.corpusFileName.textContent = file ? `${file.name} (${file.size.toLocaleString('en-US')} bytes)` : '';
}

/** Fills the number inputs and the attention kind from the chosen preset. */
function applyPreset(): void {
  const preset = PRESETS[ui.preset.value];
  if (!preset) return;
  ui.presetDescription.textContent = preset.description;
  const values = presetValues(preset, resolveTrainConfig);
  for (const f of NUMBER_FIELDS) numbers[f.id].value = values[f.id];
  if (preset.model.attention && attentionKinds().includes(preset.model.attention)) ui.attention.value = preset.model.attention;
  lastAttention = ui.attention.value;
}

/** A kind of one head (`single`) takes nHead 1; leaving one restores the preset's. */
let lastAttention = '';
function onAttentionChange(): void {
  const kind = ui.attention.value;
  if (isOneHead(kind)) numbers['n-head'].value = '1';
  else if (isOneHead(lastAttention)) numbers['n-head'].value = String(PRESETS[ui.preset.value]?.model.nHead ?? 1);
  lastAttention = kind;
}

async function readCorpus(): Promise<CorpusSource> {
  switch (ui.corpusKind.value) {
    case 'file': {
      if (!corpusFile) throw new Error('No text file picked: drop or pick a UTF-8 text file, or choose Tiny Shakespeare or pasted text.');
      if (corpusFile.size > MAX_TEXT_BYTES) throw textTooLargeError(corpusFile.name, corpusFile.size, 'utf-8'); // before reading it
      return { kind: 'file', name: corpusFile.name, bytes: await corpusFile.arrayBuffer() };
    }
    case 'text':
      if (ui.corpusText.value.trim() === '')
        throw new Error('The text box is empty: paste the text to train on, or choose another source.');
      return { kind: 'text', text: ui.corpusText.value };
    default:
      return { kind: 'shakespeare' };
  }
}

function formValues(): FormValues {
  const values = {
    tokenizer: ui.tokenizer.value,
    attention: ui.attention.value,
    preset: ui.preset.value,
    'run-name': ui.runName.value,
  } as FormValues;
  for (const f of NUMBER_FIELDS) values[f.id] = numbers[f.id].value;
  return values;
}

const backendChoice = () => ui.backend.value as TrainBackend | 'auto';

async function start(): Promise<void> {
  if (!client || BUSY.has(state)) return;
  clearError();
  setState('setting-up'); // at once: a second click while a large file is read starts nothing
  try {
    const spec = specFromForm(formValues(), await readCorpus());
    resetLive('', spec.train.maxIters ?? 0);
    setState('setting-up');
    client.send({ type: 'start', spec, backend: backendChoice(), debug });
  } catch (error) {
    showError(error);
    setState('error');
  }
}

function resume(run: RunInfo, trainTo: string): void {
  if (!client || BUSY.has(state)) return;
  clearError();
  const maxIters = trainTo.trim() === '' ? undefined : Number(trainTo);
  if (maxIters !== undefined && !(Number.isInteger(maxIters) && maxIters > run.step)) {
    showError(`"train to" must be a whole number of steps above the run's ${run.step}, got "${trainTo}".`);
    return;
  }
  if (run.finished && maxIters === undefined) {
    showError(
      `Run "${run.name}" is finished (step ${run.step} of ${run.train.maxIters}); type a step above ${run.step} in its "train to" box to train it further.`,
    );
    return;
  }
  resetLive(run.id, maxIters ?? run.train.maxIters);
  live.step = run.step;
  setData('step', run.step);
  seedChart(run.metrics, run.step);
  setState('setting-up');
  client.send({ type: 'resume', id: run.id, backend: backendChoice(), ...(maxIters === undefined ? {} : { maxIters }), debug });
}

// 6. The runs list: one row per stored run, updated in place (kept inputs, no flicker under a click).

interface Row {
  tr: HTMLTableRowElement;
  update(run: RunInfo): void;
  /** Enables the buttons for the page's state. */
  sync(): void;
}
const rows = new Map<string, Row>();

function makeRow(first: RunInfo): Row {
  let run = first;
  const tr = document.createElement('tr');
  tr.dataset.testid = 'run-row';
  tr.dataset.runId = run.id;
  const cells = Array.from({ length: 7 }, () => tr.insertCell());
  const actions = tr.insertCell();
  actions.className = 'actions';
  const button = (testid: string, text: string, title: string) => {
    const b = Object.assign(document.createElement('button'), { type: 'button', textContent: text, title });
    b.dataset.testid = testid;
    return b;
  };
  const trainTo = Object.assign(document.createElement('input'), { type: 'number', min: '1', step: '1', placeholder: 'train to' });
  trainTo.dataset.testid = 'resume-max-iters';
  trainTo.title = "Train to this step (optional; above the run's step). Empty: the run's own max-iters.";
  const resumeButton = button('resume', 'resume', 'Go on from the checkpoint, on the backend chosen at the top');
  const download = button(
    'download',
    'download',
    'Save ckpt.safetensors; put it in a directory DIR and run ./scratchgpt train --out DIR --resume to go on in Node',
  );
  const remove = button('delete', 'delete', 'Delete this run from the browser (click twice)');
  actions.append(trainTo, resumeButton, download, remove);

  resumeButton.addEventListener('click', () => resume(run, trainTo.value));
  download.addEventListener('click', () => void downloadRun(run));
  let armed: ReturnType<typeof setTimeout> | undefined;
  const disarm = () => {
    clearTimeout(armed);
    armed = undefined;
    remove.textContent = 'delete';
    remove.classList.remove('armed');
  };
  remove.addEventListener('click', async () => {
    if (armed === undefined) {
      remove.textContent = 'really delete?';
      remove.classList.add('armed');
      armed = setTimeout(disarm, DELETE_ARM_MS);
      return;
    }
    disarm();
    try {
      await store.remove(run.id);
    } catch (error) {
      showError(`Could not delete run "${run.name}": ${(error as Error).message}`);
    }
    await refreshRuns();
  });

  const row: Row = {
    tr,
    update(next) {
      run = next;
      tr.dataset.step = String(run.step);
      tr.dataset.finished = String(run.finished);
      const val = lastValLoss(run.metrics);
      const texts = [
        run.name,
        `${run.tokenizer.name} (${run.tokenizer.vocabSize})`,
        run.model.attention ?? 'fused',
        formatParams(run.params),
        `${run.step} / ${run.train.maxIters}${run.finished ? ' ✓' : ''}`,
        val === undefined ? '–' : val.toFixed(4),
        run.backend ?? '–',
      ];
      texts.forEach((text, i) => {
        if (cells[i]!.textContent !== text) cells[i]!.textContent = text;
      });
      cells[0]!.title = `${run.corpus.label} (${run.corpus.chars.toLocaleString('en-US')} characters), preset ${run.preset}, created ${run.created}`;
      resumeButton.textContent = run.finished ? 'train on' : 'resume';
      row.sync();
    },
    sync() {
      const busy = BUSY.has(state);
      resumeButton.disabled = busy || client === undefined;
      remove.disabled = busy && run.id === live.id;
      download.disabled = run.step === 0;
      tr.classList.toggle('current', run.id === live.id && live.id !== '');
    },
  };
  row.update(run);
  return row;
}

let refreshing: Promise<void> | undefined;
let again = false;
/** Lists the stored runs again (one listing at a time; a call during one lists once more after it). */
async function refreshRuns(): Promise<void> {
  if (refreshing) {
    again = true;
    return refreshing;
  }
  refreshing = (async () => {
    do {
      again = false;
      try {
        showRuns(await store.list());
      } catch (error) {
        showError(`Could not list the stored runs: ${(error as Error).message}`);
      }
    } while (again);
  })();
  try {
    await refreshing;
  } finally {
    refreshing = undefined;
  }
}

function showRuns(list: RunInfo[]): void {
  const ids = new Set(list.map((r) => r.id));
  for (const [id, row] of rows)
    if (!ids.has(id)) {
      row.tr.remove();
      rows.delete(id);
      runs.delete(id);
    }
  list.forEach((run, i) => {
    runs.set(run.id, run);
    let row = rows.get(run.id);
    if (row) row.update(run);
    else {
      row = makeRow(run);
      rows.set(run.id, row);
    }
    if (ui.runs.children[i] !== row.tr) ui.runs.insertBefore(row.tr, ui.runs.children[i] ?? null);
  });
  ui.runsEmpty.hidden = list.length > 0;
}

async function downloadRun(run: RunInfo): Promise<void> {
  try {
    const bytes = await store.loadCheckpoint(run.id);
    if (!bytes) throw new Error(`Run "${run.name}" has no checkpoint yet: one is saved at each evaluation and when it stops.`);
    const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
    const a = Object.assign(document.createElement('a'), { href: url, download: 'ckpt.safetensors' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (error) {
    showError(error);
  }
}

/** The largest checkpoint the page reads into memory (a browser tab's buffers are bounded; the CLI has no such limit). */
const MAX_IMPORT_BYTES = 2 * 2 ** 30;

async function importCheckpoint(): Promise<void> {
  if (!client || BUSY.has(state)) return;
  clearError();
  const file = ui.importCheckpoint.files?.[0];
  if (!file) return showError('No checkpoint picked: choose the ckpt.safetensors that `scratchgpt train` wrote in its --out directory.');
  const text = ui.importCorpus.files?.[0];
  if (file.size > MAX_IMPORT_BYTES)
    return showError(
      `${file.name} is ${Math.round(file.size / 2 ** 20).toLocaleString('en-US')} MiB; the page reads a checkpoint whole, up to ${MAX_IMPORT_BYTES / 2 ** 30} GiB. Resume a run this large with \`scratchgpt train --resume\` instead.`,
    );
  if (text && text.size > MAX_TEXT_BYTES) return showError(textTooLargeError(text.name, text.size, 'utf-8'));
  try {
    const checkpoint = await file.arrayBuffer();
    const corpus: CorpusSource | undefined = text ? { kind: 'file', name: text.name, bytes: await text.arrayBuffer() } : undefined;
    ui.statusLine.textContent = `importing ${file.name}…`;
    client.send({ type: 'import', name: file.name, checkpoint, ...(corpus ? { corpus } : {}) });
  } catch (error) {
    showError(`Could not read ${file.name}: ${(error as Error).message}`);
  }
}

// 7. Start: build the form, apply the URL, list the runs, start the worker.

function buildForm(): void {
  ui.corpusKind.append(...CORPUS_KINDS.map((k) => new Option(k.label, k.kind)));
  ui.tokenizerHint.textContent = `${TOKENIZER_SPECS}; e.g. char, bpe:512, tiktoken:gpt2. BPE is trained in the page on the train split.`;
  ui.preset.append(...Object.keys(PRESETS).map((name) => new Option(name, name)));
  ui.preset.value = Object.hasOwn(PRESETS, DEFAULT_PRESET) ? DEFAULT_PRESET : Object.keys(PRESETS)[0]!;
  ui.attention.append(...attentionKinds().map((kind) => new Option(kind, kind)));
  for (const f of NUMBER_FIELDS) {
    const input = Object.assign(document.createElement('input'), { type: 'number', id: f.id, step: f.step });
    input.dataset.testid = f.id;
    input.title = `${f.part === 'model' ? 'model' : 'recipe'} field ${f.key}`;
    const label = document.createElement('label');
    label.append(f.id, input);
    document.querySelector(`.fields[data-part="${f.part}"]`)!.append(label);
    numbers[f.id] = input;
  }
  ui.backend.append(...TRAIN_BACKENDS.map((name) => new Option(name, name)));
}

function wire(): void {
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    void start();
  });
  ui.pause.addEventListener('click', () => client?.send({ type: 'pause' }));
  ui.continue.addEventListener('click', () => client?.send({ type: 'continue' }));
  ui.stop.addEventListener('click', () => {
    live.stopping = true;
    client?.send({ type: 'stop' });
    setState(state);
  });
  ui.corpusKind.addEventListener('change', showCorpusKind);
  ui.corpusFile.addEventListener('change', () => setCorpusFile(ui.corpusFile.files?.[0]));
  ui.corpusDrop.addEventListener('dragover', (event) => {
    event.preventDefault();
    ui.corpusDrop.classList.add('over');
  });
  ui.corpusDrop.addEventListener('dragleave', () => ui.corpusDrop.classList.remove('over'));
  ui.corpusDrop.addEventListener('drop', (event) => {
    event.preventDefault();
    ui.corpusDrop.classList.remove('over');
    setCorpusFile(event.dataTransfer?.files[0]);
  });
  ui.preset.addEventListener('change', applyPreset);
  ui.attention.addEventListener('change', onAttentionChange);
  for (const select of [ui.layer, ui.head]) select.addEventListener('change', askAttention);
  ui.import.addEventListener('click', () => void importCheckpoint());
}

/** Prefills the form from the URL: the preset first (it fills the numbers), then every other field. */
function applyUrl(): void {
  const url = readUrl(new URLSearchParams(location.search));
  const problems: string[] = [];
  const set = (id: string, value: string) => {
    const input = document.getElementById(id) as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
    if (input instanceof HTMLSelectElement && ![...input.options].some((o) => o.value === value))
      problems.push(`${id}=${value} (use one of ${[...input.options].map((o) => o.value).join(', ')})`);
    else input.value = value;
  };
  if (url.fields.preset !== undefined) set('preset', url.fields.preset);
  applyPreset();
  for (const [id, value] of Object.entries(url.fields)) if (id !== 'preset') set(id, value);
  lastAttention = ui.attention.value;
  if (url.backend !== undefined) set('train-backend', url.backend);
  debug = url.debug;
  if (debug.failAtStep !== undefined) showNotice(`Test hook: the first backend will fail at step ${debug.failAtStep}.`);
  problems.push(...url.unknown.map((key) => `${key} (not a field)`));
  if (problems.length > 0)
    showError(
      `The URL asks for what this page does not have: ${problems.join('; ')}. Fields are set by id, e.g. ?max-iters=30&backend=wasm.`,
    );
}

async function startPage(): Promise<void> {
  buildForm();
  wire();
  applyUrl();
  showCorpusKind();
  try {
    client = new TrainClient();
    client.onReport(onReport);
  } catch (error) {
    showError(
      `The training worker did not start: ${(error as Error).message}. Training needs a browser with module workers (a recent Chrome, Edge, Firefox or Safari).`,
    );
  }
  setState('idle', client ? 'idle: set up a run and press Start, or resume one below' : 'no worker');
  drawChart(true);
  await refreshRuns();
  document.body.dataset.ready = 'true';
}

window.addEventListener('error', (event) => showError(event.error ?? event.message));
window.addEventListener('unhandledrejection', (event) => showError(event.reason));
startPage().catch((error) => {
  showError(error);
  document.body.dataset.ready = 'true';
});
