/**
 * The loss curve as SVG: each step's training loss (faint), and the train and val estimates of
 * each evaluation, against step. Rendered headless with Vega-Lite (no browser, no canvas).
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Metric } from '@scratchgpt/train';

export async function lossPlotSvg(metrics: readonly Metric[], title: string): Promise<string> {
  const values: Array<{ step: number; loss: number; series: string }> = [];
  for (const m of metrics) {
    if (m.valLoss === undefined) values.push({ step: m.step, loss: m.loss, series: 'train (each step)' });
    else values.push({ step: m.step, loss: m.loss, series: 'train (eval)' }, { step: m.step, loss: m.valLoss, series: 'val (eval)' });
  }
  const color = {
    field: 'series',
    type: 'nominal' as const,
    title: null,
    scale: { domain: ['train (each step)', 'train (eval)', 'val (eval)'], range: ['#c6dbef', '#08519c', '#e6550d'] },
  };
  const x = { field: 'step', type: 'quantitative' as const, title: 'step' };
  const y = { field: 'loss', type: 'quantitative' as const, title: 'loss (nats per token)', scale: { zero: false } };
  // Per-step losses first (underneath), then the evaluations with points on top.
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 640,
    height: 360,
    data: { values },
    layer: [
      {
        transform: [{ filter: "datum.series === 'train (each step)'" }],
        mark: { type: 'line', strokeWidth: 1 },
        encoding: { x, y, color },
      },
      {
        transform: [{ filter: "datum.series !== 'train (each step)'" }],
        mark: { type: 'line', strokeWidth: 2.5, point: true },
        encoding: { x, y, color },
      },
    ],
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
