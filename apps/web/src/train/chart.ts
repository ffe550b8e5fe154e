/**
 * A small hand-written SVG line chart for the Train and Compare views (no charting library: the
 * page needs lines, markers, two linear axes with round ticks and a legend, nothing more).
 * The pure parts (round ticks, scales, the domain of the data, tick labels) are exported and
 * unit-tested; `lineChart` only turns their answers into SVG elements.
 *
 * Shape: the chart fills the SVG's viewBox (its width and height attributes, 640 × 300 by
 * default); the plot area leaves MARGIN around it for the tick labels and axis titles, and the
 * legend sits in one row above the plot.
 */

export interface Point {
  x: number;
  y: number;
}

export interface Series {
  name: string;
  points: Point[];
  /** `line` (a thin line), `markers` (a dot per point) or `both`. Default `line`. */
  style?: 'line' | 'markers' | 'both';
}

export interface ChartOptions {
  xTitle: string;
  yTitle: string;
}

/** The colours of the series, in order (ColorBrewer's Set1, darker yellow); the n-th series takes the n-th, wrapping. */
export const PALETTE = ['#377eb8', '#e41a1c', '#4daf4a', '#984ea3', '#ff7f00', '#a6761d', '#f781bf', '#666666'] as const;

/** Room around the plot area for tick labels, axis titles and the legend (px of the viewBox). */
const MARGIN = { top: 28, right: 16, bottom: 42, left: 62 };
const SVG_NS = 'http://www.w3.org/2000/svg';
/** Height of one legend row (px of the viewBox). */
const LEGEND_ROW = 16;

/**
 * Where each legend entry goes: left to right from `left`, each about as wide as its swatch and
 * name at the legend's font size, wrapping to a new row before it would pass `right`.
 */
export function legendLayout(names: readonly string[], left: number, right: number): Array<{ x: number; row: number }> {
  const places: Array<{ x: number; row: number }> = [];
  let x = left;
  let row = 0;
  for (const name of names) {
    const width = 28 + 6.5 * name.length;
    if (x > left && x + width > right) {
      x = left;
      row++;
    }
    places.push({ x, row });
    x += width;
  }
  return places;
}

/** A round step near `rough`: 1, 2, 2.5 or 5 times a power of ten. */
export function niceStep(rough: number): number {
  if (!(rough > 0) || !Number.isFinite(rough)) return 1;
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/**
 * About `count` round ticks that cover [min, max]: the first at or below min, the last at or above
 * max, a round step apart. A domain of one value is widened around it first (see {@link padDomain}).
 * `integer`: the values are counts (steps), so the step is a whole number (1, 2, 5, 10, 20, 25, …).
 */
export function niceTicks(min: number, max: number, count = 5, integer = false): number[] {
  [min, max] = padDomain(min, max);
  let step = niceStep((max - min) / Math.max(1, count - 1));
  if (integer) step = step < 1 ? 1 : step === 2.5 ? 2 : step;
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  const ticks: number[] = [];
  // Multiplying (not adding) keeps 0.1 * 3 from drifting to 0.30000000000000004 across many steps; rounding drops the rest.
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/** A domain that has width: one value `v` becomes [v - 1, v + 1] (0) or v ± 10 %; non-finite ends become [0, 1]. */
export function padDomain(min: number, max: number): [number, number] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (min > max) [min, max] = [max, min];
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    return [min - pad, max + pad];
  }
  return [min, max];
}

/** The smallest and largest x and y over every finite point of `series`; undefined when there is none. */
export function extent(series: readonly Series[]): { x: [number, number]; y: [number, number] } | undefined {
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const s of series) {
    for (const p of s.points) {
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
      x0 = Math.min(x0, p.x);
      x1 = Math.max(x1, p.x);
      y0 = Math.min(y0, p.y);
      y1 = Math.max(y1, p.y);
    }
  }
  return x0 <= x1 ? { x: [x0, x1], y: [y0, y1] } : undefined;
}

/** A linear map from `domain` onto `range` (a range may run downwards, as y does on screen). */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]): (v: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  return span === 0 ? () => (r0 + r1) / 2 : (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

/** A tick's label: as many decimals as the step needs (0.25 → 2), thousands as "k" from 10 000 on. */
export function formatTick(value: number, step: number): string {
  if (Math.abs(value) >= 10_000 && step >= 1000) return `${Number((value / 1000).toPrecision(6))}k`;
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9) + (niceFraction(step) === 2.5 ? 1 : 0)));
  return value.toFixed(decimals);
}

const niceFraction = (step: number) => Number((step / 10 ** Math.floor(Math.log10(step) + 1e-9)).toPrecision(6));

/** The SVG path of a polyline through `points` (already on screen), "M x y L x y …". */
export function pathData(points: readonly Point[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)} ${p.y.toFixed(1)}`).join(' ');
}

/** An SVG element with attributes (and text). */
function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * Draws `series` into `svg` (replacing what was there): axes with round ticks and labels, a
 * line and/or markers per series in the palette's colours, a legend, and `svg.dataset.points`
 * set to the total number of points. With no points it draws the frame and says "no data yet".
 */
export function lineChart(svg: SVGSVGElement, series: readonly Series[], options: ChartOptions): void {
  // 1. The size: the viewBox, else the width/height attributes.
  const width = svg.viewBox.baseVal?.width || Number(svg.getAttribute('width')) || 640;
  const height = svg.viewBox.baseVal?.height || Number(svg.getAttribute('height')) || 300;
  if (!svg.getAttribute('viewBox')) svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const legend = legendLayout(
    series.map((s) => s.name),
    MARGIN.left,
    width - MARGIN.right,
  );
  const legendRows = Math.max(1, ...legend.map((p) => p.row + 1));
  const top = MARGIN.top + LEGEND_ROW * (legendRows - 1); // a legend that wraps pushes the plot down
  const plot = { left: MARGIN.left, right: width - MARGIN.right, top, bottom: height - MARGIN.bottom };
  const nodes: SVGElement[] = [];
  const total = series.reduce((n, s) => n + s.points.length, 0);
  svg.dataset.points = String(total);

  // 2. The domains and their ticks; the axes span the ticks so the lines never leave the frame.
  const box = extent(series);
  const xIntegers = series.every((s) => s.points.every((p) => Number.isInteger(p.x) || !Number.isFinite(p.x)));
  const xTicks = niceTicks(box?.x[0] ?? 0, box?.x[1] ?? 1, Math.max(3, Math.round((plot.right - plot.left) / 90)), xIntegers);
  const yTicks = niceTicks(box?.y[0] ?? 0, box?.y[1] ?? 1, Math.max(3, Math.round((plot.bottom - plot.top) / 50)));
  const xStep = xTicks.length > 1 ? xTicks[1]! - xTicks[0]! : 1;
  const yStep = yTicks.length > 1 ? yTicks[1]! - yTicks[0]! : 1;
  const sx = linearScale([xTicks[0]!, xTicks.at(-1)!], [plot.left, plot.right]);
  const sy = linearScale([yTicks[0]!, yTicks.at(-1)!], [plot.bottom, plot.top]);

  // 3. Grid lines, tick labels, the frame and the axis titles.
  for (const t of xTicks) {
    nodes.push(el('line', { class: 'grid', x1: sx(t), x2: sx(t), y1: plot.top, y2: plot.bottom }));
    nodes.push(el('text', { class: 'tick', x: sx(t), y: plot.bottom + 16, 'text-anchor': 'middle' }, formatTick(t, xStep)));
  }
  for (const t of yTicks) {
    nodes.push(el('line', { class: 'grid', x1: plot.left, x2: plot.right, y1: sy(t), y2: sy(t) }));
    nodes.push(el('text', { class: 'tick', x: plot.left - 6, y: sy(t) + 4, 'text-anchor': 'end' }, formatTick(t, yStep)));
  }
  nodes.push(el('rect', { class: 'frame', x: plot.left, y: plot.top, width: plot.right - plot.left, height: plot.bottom - plot.top }));
  nodes.push(el('text', { class: 'axis-title', x: (plot.left + plot.right) / 2, y: height - 6, 'text-anchor': 'middle' }, options.xTitle));
  const yMid = (plot.top + plot.bottom) / 2;
  nodes.push(
    el('text', { class: 'axis-title', x: 14, y: yMid, 'text-anchor': 'middle', transform: `rotate(-90 14 ${yMid})` }, options.yTitle),
  );
  if (total === 0)
    nodes.push(el('text', { class: 'empty', x: (plot.left + plot.right) / 2, y: yMid, 'text-anchor': 'middle' }, 'no data yet'));

  // 4. The series: a path and/or circles each, then one legend entry each, in the rows laid out above.
  series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length]!;
    const style = s.style ?? 'line';
    const onScreen = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).map((p) => ({ x: sx(p.x), y: sy(p.y) }));
    if (style !== 'markers' && onScreen.length > 1)
      nodes.push(
        el('path', { class: 'series', d: pathData(onScreen), stroke: colour, fill: 'none', 'stroke-width': style === 'line' ? 1.2 : 2 }),
      );
    if (style !== 'line' || onScreen.length === 1)
      for (const p of onScreen) nodes.push(el('circle', { class: 'marker', cx: p.x, cy: p.y, r: 3.5, fill: colour }));
    const at = legend[i]!;
    const entry = el('g', { class: 'legend', transform: `translate(${at.x} ${MARGIN.top - 12 + LEGEND_ROW * at.row})` });
    entry.append(
      style === 'markers'
        ? el('circle', { cx: 6, cy: -4, r: 3.5, fill: colour })
        : el('rect', { x: 0, y: -6, width: 12, height: 3, fill: colour }),
      el('text', { x: 16, y: 0 }, s.name),
    );
    nodes.push(entry);
  });
  svg.replaceChildren(...nodes);
}
