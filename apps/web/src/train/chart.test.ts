// The chart's pure parts: round ticks that cover the data, scales, the data's domain, tick labels.
import { describe, expect, it } from 'vitest';
import { extent, formatTick, legendLayout, linearScale, niceStep, niceTicks, padDomain, pathData } from './chart';

describe('niceStep', () => {
  it('rounds up to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect([0.7, 1, 1.3, 2.2, 3, 6, 0.013, 420].map(niceStep)).toEqual([1, 1, 2, 2.5, 5, 10, 0.02, 500]);
  });
  it('answers 1 for a step that is not positive and finite', () => {
    expect([0, -3, Number.NaN, Infinity].map(niceStep)).toEqual([1, 1, 1, 1]);
  });
});

describe('niceTicks', () => {
  it('covers the domain with round, evenly spaced ticks', () => {
    expect(niceTicks(0, 1, 6)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 30, 4)).toEqual([0, 10, 20, 30]);
    const ticks = niceTicks(1.23, 4.56, 5);
    expect(ticks[0]).toBeLessThanOrEqual(1.23);
    expect(ticks.at(-1)).toBeGreaterThanOrEqual(4.56);
    expect(ticks).toEqual([1, 2, 3, 4, 5]);
  });
  it('keeps decimals clean over many steps', () => {
    for (const t of niceTicks(0, 2, 21)) expect(String(t).length).toBeLessThanOrEqual(3);
  });
  it('widens a domain of one value around it', () => {
    expect(niceTicks(4.17, 4.17, 5)).toEqual(niceTicks(...padDomain(4.17, 4.17), 5));
    const ticks = niceTicks(4.17, 4.17, 5);
    expect(ticks[0]).toBeLessThan(4.17);
    expect(ticks.at(-1)).toBeGreaterThan(4.17);
    expect(niceTicks(0, 0, 3)).toEqual([-1, 0, 1]);
  });
  it('steps by whole numbers for counts', () => {
    expect(niceTicks(0, 12, 6)).toEqual([0, 2.5, 5, 7.5, 10, 12.5]);
    expect(niceTicks(0, 12, 6, true)).toEqual([0, 2, 4, 6, 8, 10, 12]);
    expect(niceTicks(1, 3, 9, true)).toEqual([1, 2, 3]);
  });
  it('handles negative and reversed domains', () => {
    expect(niceTicks(-5, 5, 3)).toEqual([-5, 0, 5]);
    expect(niceTicks(10, 0, 3)).toEqual([0, 5, 10]);
  });
});

describe('padDomain', () => {
  it('falls back to [0, 1] for non-finite ends', () => {
    expect(padDomain(Infinity, -Infinity)).toEqual([0, 1]);
    expect(padDomain(Number.NaN, 3)).toEqual([0, 1]);
  });
  it('pads one value by 10 %', () => {
    expect(padDomain(10, 10)).toEqual([9, 11]);
    expect(padDomain(2, 3)).toEqual([2, 3]);
  });
});

describe('extent', () => {
  it('spans every finite point of every series', () => {
    const box = extent([
      {
        name: 'a',
        points: [
          { x: 1, y: 4 },
          { x: 3, y: 2 },
        ],
      },
      {
        name: 'b',
        points: [
          { x: 10, y: Number.NaN },
          { x: 0, y: 5 },
        ],
      },
    ]);
    expect(box).toEqual({ x: [0, 3], y: [2, 5] });
  });
  it('is undefined with no points', () => {
    expect(extent([])).toBeUndefined();
    expect(extent([{ name: 'empty', points: [] }])).toBeUndefined();
  });
});

describe('linearScale', () => {
  it('maps the domain onto the range, also downwards', () => {
    const y = linearScale([0, 10], [200, 0]);
    expect([y(0), y(5), y(10)]).toEqual([200, 100, 0]);
    const x = linearScale([1, 3], [50, 150]);
    expect(x(2)).toBe(100);
  });
  it('puts every value in the middle for an empty domain', () => {
    expect(linearScale([2, 2], [0, 100])(7)).toBe(50);
  });
});

describe('formatTick', () => {
  it('shows as many decimals as the step needs', () => {
    expect(formatTick(0.4, 0.2)).toBe('0.4');
    expect(formatTick(0.75, 0.25)).toBe('0.75');
    expect(formatTick(7.5, 2.5)).toBe('7.5');
    expect(formatTick(1500, 500)).toBe('1500');
    expect(formatTick(0.05, 0.05)).toBe('0.05');
  });
  it('writes large round values in thousands', () => {
    expect(formatTick(12_500, 2500)).toBe('12.5k');
    expect(formatTick(20_000, 5000)).toBe('20k');
  });
});

describe('pathData', () => {
  it('draws a polyline', () => {
    expect(
      pathData([
        { x: 0, y: 1 },
        { x: 2.25, y: 3 },
      ]),
    ).toBe('M0.0 1.0 L2.3 3.0');
    expect(pathData([])).toBe('');
  });
});

describe('legendLayout', () => {
  it('puts entries in one row while they fit, and wraps the one that would pass the right edge', () => {
    expect(legendLayout(['a', 'b'], 60, 600)).toEqual([
      { x: 60, row: 0 },
      { x: 60 + 28 + 6.5, row: 0 },
    ]);
    const long = 'x'.repeat(40); // 28 + 260 = 288 px each
    expect(legendLayout([long, long, long], 60, 700).map((p) => p.row)).toEqual([0, 0, 1]);
    expect(legendLayout([long], 60, 100)).toEqual([{ x: 60, row: 0 }]); // a name wider than the room still gets a row of its own
  });
});
