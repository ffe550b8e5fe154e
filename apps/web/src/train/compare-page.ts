/**
 * The Compare view (compare.html): tick stored runs and see their val bits per character against
 * step or training seconds at once (from each run's stored metrics), then measure them on their
 * whole val split in the worker for `scratchgpt compare`'s table, ranked on bits per character,
 * and download it as JSON.
 *
 * Hooks (data-testid): compare-run (a checkbox, value = the run id), compare-x (step | seconds),
 * compare-chart (data-points), measure, compare-status, compare-table (data-state empty | measuring
 * | measured), compare-download, train-backend-active, error; `body[data-ready]` once started.
 */
import { lineChart } from './chart';
import { TrainClient } from './client';
import { COMPARE_COLUMNS, COMPARE_NOTES, bitsPerChar, comparisonJson, lastValLoss, rankMeasured, valBitsCurve } from './format';
import { TRAIN_BACKENDS, type MeasuredRun, type Report, type RunInfo, type TrainBackend } from './protocol';
import { opfsStore } from './store';

const $ = <T extends HTMLElement>(id: string) => {
  const node = document.getElementById(id);
  if (!node) throw new Error(`compare.html has no element #${id}; the page and compare-page.ts disagree.`);
  return node as T;
};
const ui = {
  backend: $<HTMLSelectElement>('train-backend'),
  backendActive: $('train-backend-active'),
  runs: $('compare-runs'),
  empty: $('compare-empty'),
  x: $<HTMLSelectElement>('compare-x'),
  chart: document.getElementById('compare-chart') as unknown as SVGSVGElement,
  measure: $<HTMLButtonElement>('measure'),
  download: $<HTMLButtonElement>('compare-download'),
  status: $('compare-status'),
  error: $('error'),
  table: $<HTMLTableElement>('compare-table'),
  notes: $('compare-notes'),
};

const store = opfsStore();
/** The worker that measures (started with the page, ready by the time runs are ticked; the chart needs none). */
let client: TrainClient | undefined;
const runs = new Map<string, RunInfo>();
let measured: MeasuredRun[] = [];

function showError(error: unknown, kept?: string): void {
  const message = error instanceof Error ? error.message : String(error);
  ui.error.textContent = kept ? `${message} ${kept}` : message;
  ui.error.hidden = false;
}
const clearError = () => {
  ui.error.hidden = true;
  ui.error.textContent = '';
};

const ticked = (): string[] =>
  [...ui.runs.querySelectorAll<HTMLInputElement>('input[data-testid="compare-run"]:checked')].map((box) => box.value);

/** One line per ticked run: val bits per character at its evaluations. */
function drawChart(): void {
  const x = ui.x.value === 'seconds' ? 'seconds' : 'step';
  const series = ticked()
    .map((id) => runs.get(id))
    .filter((run): run is RunInfo => run !== undefined)
    .map((run) => ({ name: run.name, points: valBitsCurve(run, x), style: 'both' as const }));
  lineChart(ui.chart, series, {
    xTitle: x === 'step' ? 'step' : 'training seconds (evaluations excluded)',
    yTitle: 'val bits per character',
  });
}

/** Lists the stored runs as checkboxes, keeping what was ticked. */
async function listRuns(): Promise<void> {
  const keep = new Set(ticked());
  let list: RunInfo[];
  try {
    list = await store.list();
  } catch (error) {
    showError(`Could not list the stored runs: ${(error as Error).message}`);
    return;
  }
  runs.clear();
  ui.runs.replaceChildren(
    ...list.map((run) => {
      runs.set(run.id, run);
      const box = Object.assign(document.createElement('input'), { type: 'checkbox', value: run.id, checked: keep.has(run.id) });
      box.dataset.testid = 'compare-run';
      box.addEventListener('change', drawChart);
      const val = lastValLoss(run.metrics);
      const facts = [
        run.tokenizer.name,
        run.model.attention ?? 'fused',
        `step ${run.step} / ${run.train.maxIters}`,
        val === undefined ? 'not evaluated yet' : `val ${bitsPerChar(val, run.valTokensPerChar).toFixed(3)} bits/char`,
        run.corpus.label,
      ];
      const label = document.createElement('label');
      label.append(
        box,
        ` ${run.name}`,
        Object.assign(document.createElement('span'), { className: 'hint', textContent: ` — ${facts.join(', ')}` }),
      );
      const li = document.createElement('li');
      li.append(label);
      return li;
    }),
  );
  ui.empty.hidden = list.length > 0;
  drawChart();
}

function showTable(rows: readonly MeasuredRun[]): void {
  const head = document.createElement('tr');
  for (const c of COMPARE_COLUMNS)
    head.append(Object.assign(document.createElement('th'), { textContent: c.title, className: c.rank ? 'rank' : '' }));
  ui.table.tHead!.replaceChildren(head);
  ui.table.tBodies[0]!.replaceChildren(
    ...rankMeasured(rows).map((r) => {
      const tr = document.createElement('tr');
      tr.dataset.runId = r.id;
      for (const c of COMPARE_COLUMNS) {
        const td = tr.insertCell();
        if (c.rank) td.append(Object.assign(document.createElement('strong'), { textContent: c.cell(r) }));
        else td.textContent = c.cell(r);
        if (typeof r[c.key] === 'number') td.className = 'num';
      }
      return tr;
    }),
  );
  ui.notes.replaceChildren(...COMPARE_NOTES.map((note) => Object.assign(document.createElement('li'), { textContent: note })));
}

function onReport(r: Report): void {
  switch (r.type) {
    case 'backend':
      ui.backendActive.textContent = r.name;
      ui.backendActive.title = r.note;
      break;
    case 'status':
      ui.status.textContent = r.text;
      break;
    case 'measured':
      measured = r.rows;
      showTable(measured);
      ui.table.dataset.state = 'measured';
      ui.status.textContent = `measured ${r.rows.length} run${r.rows.length === 1 ? '' : 's'}`;
      ui.measure.disabled = false;
      ui.download.disabled = false;
      break;
    case 'error':
      showError(r.message, r.kept);
      if (ui.table.dataset.state === 'measuring') {
        ui.table.dataset.state = measured.length > 0 ? 'measured' : 'empty';
        ui.status.textContent = '';
        ui.measure.disabled = false;
      }
      break;
    default:
      break; // training reports: the Train view's
  }
}

function measure(): void {
  clearError();
  const ids = ticked();
  if (ids.length === 0 || !client) {
    showError(
      ids.length === 0
        ? 'No run ticked: tick the runs to measure.'
        : 'The worker did not start (see above), so runs cannot be measured here; reload the page.',
    );
    return;
  }
  ui.measure.disabled = true;
  ui.download.disabled = true;
  ui.table.dataset.state = 'measuring';
  ui.status.textContent = `measuring ${ids.length} run${ids.length === 1 ? '' : 's'} on the whole val split…`;
  client.send({ type: 'measure', ids, backend: ui.backend.value as TrainBackend | 'auto' });
}

function download(): void {
  const url = URL.createObjectURL(new Blob([comparisonJson(measured, new Date().toISOString())], { type: 'application/json' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: 'comparison.json' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

async function startPage(): Promise<void> {
  ui.backend.append(...TRAIN_BACKENDS.map((name) => new Option(name, name)));
  const backend = new URLSearchParams(location.search).get('backend');
  if (backend !== null) {
    if ((['auto', ...TRAIN_BACKENDS] as string[]).includes(backend)) ui.backend.value = backend;
    else showError(`Unknown backend "${backend}" in the URL; use auto, ${TRAIN_BACKENDS.join(', ')}.`);
  }
  ui.x.addEventListener('change', drawChart);
  ui.measure.addEventListener('click', measure);
  ui.download.addEventListener('click', download);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void listRuns(); // runs trained in another tab meanwhile
  });
  try {
    client = new TrainClient();
    client.onReport(onReport);
  } catch (error) {
    showError(`The worker did not start: ${(error as Error).message}. Measuring needs a browser with module workers.`);
  }
  await listRuns();
  document.body.dataset.ready = 'true';
}

window.addEventListener('error', (event) => showError(event.error ?? event.message));
window.addEventListener('unhandledrejection', (event) => showError(event.reason));
startPage().catch((error) => {
  showError(error);
  document.body.dataset.ready = 'true';
});
