/**
 * The sampler page: pick a backend, load an export, generate with streaming text and a live
 * tokens/s, stop at once, and look at one layer's and head's attention over the text on screen.
 * Stable `data-testid` hooks: prompt, generate, stop, output, backend, tokens-per-second,
 * model-info, attention, error. On webgpu the output also carries the generation's kernel
 * dispatches per token, all and fused (`data-dispatches-per-token`, `data-fused-per-token`).
 */
import { gpuWork } from '@scratchgpt/nn';
import { TextStream } from '@scratchgpt/tokenizers';
import { BACKENDS, selectBackend, type BackendName } from './backend';
import { drawHeatmap } from './heatmap';
import { loadFromFiles, loadFromUrl, type LoadedModel } from './load-export';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  backendSelect: $<HTMLSelectElement>('backend'),
  backendActive: $('backend-active'),
  urlForm: $<HTMLFormElement>('url-form'),
  url: $<HTMLInputElement>('model-url'),
  drop: $('drop'),
  files: $<HTMLInputElement>('files'),
  info: $('model-info'),
  prompt: $<HTMLTextAreaElement>('prompt'),
  temperature: $<HTMLInputElement>('temperature'),
  topK: $<HTMLInputElement>('top-k'),
  topP: $<HTMLInputElement>('top-p'),
  maxNewTokens: $<HTMLInputElement>('max-new-tokens'),
  seed: $<HTMLInputElement>('seed'),
  generate: $<HTMLButtonElement>('generate-button'),
  stop: $<HTMLButtonElement>('stop-button'),
  tps: $('tps'),
  output: $('output'),
  layer: $<HTMLSelectElement>('layer'),
  head: $<HTMLSelectElement>('head'),
  heatmap: $<HTMLCanvasElement>('heatmap'),
  error: $('error'),
};

let loaded: LoadedModel | undefined;
let reload: (() => Promise<LoadedModel>) | undefined;
let controller: AbortController | undefined;
let shownIds: number[] = [];

function showError(error: unknown): void {
  ui.error.textContent = error instanceof Error ? error.message : String(error);
  ui.error.hidden = false;
}
const clearError = () => (ui.error.hidden = true);

/** Lets the page paint and handle clicks between tokens (a macrotask without setTimeout's clamp). */
const nextTask = () =>
  new Promise<void>((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });

async function useBackend(choice: BackendName | 'auto'): Promise<void> {
  const active = await selectBackend(choice);
  ui.backendActive.textContent = active.name;
  ui.backendActive.title = active.note;
  if (active.note.includes('did not start')) showError(`Backend: ${active.note}.`);
}

function showModel(m: LoadedModel): void {
  const c = m.config;
  const rows: Array<[string, string]> = [
    ['source', m.origin],
    [
      'trained',
      `${m.manifest.source.preset}, step ${m.manifest.source.step}${m.manifest.source.valLoss === null ? '' : `, val loss ${m.manifest.source.valLoss.toFixed(4)}`}`,
    ],
    ['parameters', m.model.numParams().toLocaleString('en-US')],
    ['shape', `${c.nLayer} layers, ${c.nHead} heads, ${c.nEmbd} wide, context ${c.blockSize}, attention ${c.attention}`],
    ['tokenizer', `${m.tokenizer.name} (${m.tokenizer.vocabSize} ids)`],
  ];
  ui.info.replaceChildren(
    ...rows.flatMap(([k, v]) => [
      Object.assign(document.createElement('dt'), { textContent: k }),
      Object.assign(document.createElement('dd'), { textContent: v }),
    ]),
  );
  ui.info.dataset.state = 'loaded';
  ui.layer.replaceChildren(...Array.from({ length: c.nLayer }, (_, i) => new Option(String(i), String(i))));
  ui.head.replaceChildren(...Array.from({ length: c.nHead }, (_, i) => new Option(String(i), String(i))));
  ui.generate.disabled = false;
}

async function load(loader: () => Promise<LoadedModel>): Promise<void> {
  clearError();
  ui.info.dataset.state = 'loading';
  ui.generate.disabled = true;
  try {
    const next = await loader();
    loaded?.model.dispose();
    loaded = next;
    reload = loader;
    showModel(next);
  } catch (error) {
    ui.info.dataset.state = loaded ? 'loaded' : 'error';
    showError(error);
  }
}

async function drawAttention(): Promise<void> {
  if (!loaded || shownIds.length === 0) return;
  const ids = shownIds.slice(-Math.min(32, loaded.config.blockSize));
  const weights = await loaded.model.attentionWeights(ids, Number(ui.layer.value || 0));
  const labels = ids.map((id) => loaded!.tokenizer.decode([id]));
  drawHeatmap(ui.heatmap, weights[Number(ui.head.value || 0)]!, labels);
  ui.heatmap.dataset.state = 'drawn';
}

async function generate(): Promise<void> {
  if (!loaded) return;
  clearError();
  const { model, tokenizer } = loaded;
  const number = (input: HTMLInputElement) => Number(input.value);
  let prompt: number[];
  try {
    prompt = tokenizer.encode(ui.prompt.value);
    if (prompt.length === 0) throw new Error('The prompt is empty: type some text to continue.');
  } catch (error) {
    return showError(error);
  }
  controller = new AbortController();
  ui.generate.disabled = true;
  ui.stop.disabled = false;
  ui.output.dataset.state = 'running';
  ui.output.textContent = ui.prompt.value;
  const stream = new TextStream(tokenizer, (text) => ui.output.append(text));
  const ids = [...prompt];
  const started = performance.now();
  gpuWork(true);
  try {
    const topK = number(ui.topK);
    const topP = number(ui.topP);
    await model.generate(prompt, {
      maxNewTokens: number(ui.maxNewTokens),
      temperature: number(ui.temperature),
      topK: topK > 0 ? topK : undefined,
      topP: topP > 0 && topP < 1 ? topP : undefined,
      seed: number(ui.seed),
      signal: controller.signal,
      onToken: async (id) => {
        ids.push(id);
        stream.push(id);
        const seconds = (performance.now() - started) / 1000;
        ui.tps.textContent = ((ids.length - prompt.length) / seconds).toFixed(1);
        await nextTask();
      },
    });
    stream.end();
    shownIds = ids;
    await drawAttention();
  } catch (error) {
    showError(error);
  } finally {
    ui.output.dataset.state = 'done';
    const tokens = ids.length - prompt.length;
    ui.output.dataset.tokens = String(tokens);
    const work = gpuWork(true);
    ui.output.dataset.dispatchesPerToken = tokens > 0 ? (work.dispatches / tokens).toFixed(1) : '0';
    ui.output.dataset.fusedPerToken = tokens > 0 ? (work.fused / tokens).toFixed(1) : '0';
    ui.generate.disabled = false;
    ui.stop.disabled = true;
  }
}

function wire(): void {
  ui.generate.addEventListener('click', () => void generate());
  ui.stop.addEventListener('click', () => controller?.abort());
  ui.urlForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const url = ui.url.value.trim();
    void load(() => loadFromUrl(url));
  });
  ui.files.addEventListener('change', () => {
    const files = [...(ui.files.files ?? [])];
    void load(() => loadFromFiles(files));
  });
  ui.drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    ui.drop.classList.add('over');
  });
  ui.drop.addEventListener('dragleave', () => ui.drop.classList.remove('over'));
  ui.drop.addEventListener('drop', (event) => {
    event.preventDefault();
    ui.drop.classList.remove('over');
    const files = [...(event.dataTransfer?.files ?? [])];
    void load(() => loadFromFiles(files));
  });
  ui.backendSelect.addEventListener('change', async () => {
    clearError();
    await useBackend(ui.backendSelect.value as BackendName | 'auto');
    if (reload) await load(reload); // rebuild the weights on the new backend
  });
  for (const select of [ui.layer, ui.head]) select.addEventListener('change', () => void drawAttention());
}

async function startPage(): Promise<void> {
  wire();
  const params = new URLSearchParams(location.search);
  const backend = params.get('backend') ?? 'auto';
  if (backend !== 'auto' && !BACKENDS.includes(backend as BackendName))
    showError(`Unknown backend "${backend}" in the URL; use auto, ${BACKENDS.join(', ')}.`);
  ui.backendSelect.append(...BACKENDS.map((name) => new Option(name, name))); // after "auto"
  ui.backendSelect.value = BACKENDS.includes(backend as BackendName) ? backend : 'auto';
  await useBackend(ui.backendSelect.value as BackendName | 'auto');
  const model = params.get('model');
  if (model) {
    ui.url.value = model;
    await load(() => loadFromUrl(model));
  }
  document.body.dataset.ready = 'true';
}

window.addEventListener('error', (event) => showError(event.error ?? event.message));
window.addEventListener('unhandledrejection', (event) => showError(event.reason));
startPage().catch(showError);
