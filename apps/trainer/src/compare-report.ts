/**
 * The report of a comparison: `report.json` (every field), `report.md` (the table, the samples,
 * the plots) and SVG plots of a value against step and against wall time, one line per contender.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** One point of one contender's curve. */
export interface CurvePoint {
  name: string;
  step: number;
  seconds: number;
  value: number;
}

export async function curveSvg(points: readonly CurvePoint[], x: 'step' | 'seconds', yTitle: string, title: string): Promise<string> {
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 560,
    height: 320,
    data: { values: points as CurvePoint[] },
    mark: { type: 'line', point: true, strokeWidth: 2 },
    encoding: {
      x: { field: x, type: 'quantitative', title: x === 'step' ? 'step' : 'wall time (s)' },
      y: { field: 'value', type: 'quantitative', title: yTitle, scale: { zero: false } },
      color: { field: 'name', type: 'nominal', title: null },
    },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export interface ComparisonReport {
  title: string;
  /** The command that made it and how the contenders were set up. */
  notes: string[];
  columns: string[];
  rows: Array<Array<string | number>>;
  samples: Record<string, string>;
  /** Everything, for report.json. */
  json: unknown;
  /** The y value plotted and its points. */
  curve: { yTitle: string; points: CurvePoint[] };
}

/** Writes report.json, report.md and the two SVG plots into `out`; returns the markdown. */
export async function writeComparison(out: string, report: ComparisonReport): Promise<string> {
  const { yTitle, points } = report.curve;
  await writeFile(join(out, 'by-step.svg'), await curveSvg(points, 'step', yTitle, `${yTitle} against step`));
  await writeFile(join(out, 'by-time.svg'), await curveSvg(points, 'seconds', yTitle, `${yTitle} against wall time`));
  await writeFile(join(out, 'report.json'), `${JSON.stringify(report.json, null, 2)}\n`);
  const md = [
    `# ${report.title}`,
    '',
    ...report.notes.map((n) => `- ${n}`),
    '',
    `| ${report.columns.join(' | ')} |`,
    `|${report.columns.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...report.rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    '![by step](by-step.svg) ![by wall time](by-time.svg)',
    '',
    '## Samples',
    '',
    ...Object.entries(report.samples).flatMap(([name, text]) => [`### ${name}`, '', '```', text, '```', '']),
  ].join('\n');
  await writeFile(join(out, 'report.md'), md);
  return md;
}
