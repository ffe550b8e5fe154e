/**
 * Learning BPE merges with incremental pair counts.
 *
 * Gives exactly minbpe's merges (the most frequent adjacent pair wins; ties go to the pair seen
 * first in the text; a merge replaces occurrences left to right) without recounting every pair
 * per merge. Chunks are de-duplicated into words with counts and laid out in order of first
 * appearance, so "first seen in the text" is "lowest position in the layout".
 *
 * State: a linked list of live tokens over the layout; per pair its weighted count, its lowest
 * position and the positions it was created at (some of them stale, checked on use); a max-heap
 * of (count, -position) entries that may overestimate a pair (fixed when popped).
 */
import { PairHeap } from './pair-heap';

/** A de-duplicated corpus: distinct chunks as bytes, in order of first appearance, with counts. */
export interface Words {
  bytes: Uint8Array[];
  counts: number[];
}

interface Pair {
  a: number;
  b: number;
  count: number;
  /** Lowest position holding this pair; `stale` when that occurrence may be gone. */
  minPos: number;
  stale: boolean;
  positions: number[];
}

/** Learns up to `numMerges` merges; stops early when no pair is left. */
export function learnMerges(words: Words, numMerges: number): Array<[number, number]> {
  let n = 0;
  for (const w of words.bytes) n += w.length;
  const vocab = 256 + Math.min(numMerges, n); // pair key = a * vocab + b (there are fewer merges than bytes)

  // 1. Lay the words out one after another; -1 links end a word.
  const tok = new Int32Array(n);
  const prev = new Int32Array(n);
  const next = new Int32Array(n);
  const weight = new Float64Array(n);
  const pairs = new Map<number, Pair>();
  const dirty = new Set<Pair>();

  const add = (a: number, b: number, pos: number, w: number): void => {
    const key = a * vocab + b;
    let pair = pairs.get(key);
    if (pair === undefined) {
      pair = { a, b, count: 0, minPos: Infinity, stale: false, positions: [] };
      pairs.set(key, pair);
    }
    pair.count += w;
    pair.positions.push(pos);
    if (pos < pair.minPos) {
      pair.minPos = pos; // lower than every position ever held, so exact again
      pair.stale = false;
    }
    dirty.add(pair);
  };
  const remove = (a: number, b: number, pos: number, w: number): void => {
    const key = a * vocab + b;
    const pair = pairs.get(key);
    if (pair === undefined) return; // the pair being merged, already taken out
    pair.count -= w;
    if (pair.count === 0)
      pairs.delete(key); // an old pair never forms again once gone
    else if (pos === pair.minPos) pair.stale = true;
  };
  const holds = (pair: Pair, p: number): boolean => tok[p] === pair.a && next[p]! >= 0 && tok[next[p]!] === pair.b;

  let pos = 0;
  words.bytes.forEach((bytes, w) => {
    const count = words.counts[w]!;
    for (let i = 0; i < bytes.length; i++, pos++) {
      tok[pos] = bytes[i]!;
      weight[pos] = count;
      prev[pos] = i > 0 ? pos - 1 : -1;
      next[pos] = i + 1 < bytes.length ? pos + 1 : -1;
      if (i > 0) add(bytes[i - 1]!, bytes[i]!, pos - 1, count);
    }
  });

  const heap = new PairHeap<Pair>();
  const flushDirty = (): void => {
    for (const pair of dirty) if (pair.count > 0) heap.push(pair.count, pair.minPos, pair);
    dirty.clear();
  };
  flushDirty();

  const merges: Array<[number, number]> = [];
  for (let m = 0; m < numMerges; m++) {
    // 2. Pop until an entry matches its pair's true (count, first position).
    let best: Pair | undefined;
    while (heap.size > 0) {
      const { count, pos: p, item: pair } = heap.pop();
      if (pair.count <= 0 || pairs.get(pair.a * vocab + pair.b) !== pair) continue;
      if (pair.stale) refreshMinPos(pair, holds);
      if (count === pair.count && p === pair.minPos) {
        best = pair;
        break;
      }
      heap.push(pair.count, pair.minPos, pair);
    }
    if (best === undefined) break;

    // 3. Merge every occurrence, left to right, updating the neighbouring pairs' counts.
    const id = 256 + m;
    const { a, b } = best;
    merges.push([a, b]);
    pairs.delete(a * vocab + b);
    const positions = Int32Array.from(best.positions).sort();
    for (const p of positions) {
      if (!holds(best, p)) continue; // stale, or taken by the previous (overlapping) merge
      const q = next[p]!;
      const o = prev[p]!;
      const r = next[q]!;
      const w = weight[p]!;
      if (o >= 0) remove(tok[o]!, a, o, w);
      if (r >= 0) remove(b, tok[r]!, q, w);
      tok[p] = id;
      tok[q] = -1;
      next[p] = r;
      if (r >= 0) prev[r] = p;
      if (o >= 0) add(tok[o]!, id, o, w);
      if (r >= 0) add(id, tok[r]!, p, w);
    }
    flushDirty();
  }
  return merges;
}

/** Drops positions that no longer hold the pair and recomputes the lowest. */
function refreshMinPos(pair: Pair, holds: (pair: Pair, p: number) => boolean): void {
  const live = pair.positions.filter((p) => holds(pair, p));
  pair.positions = live;
  pair.minPos = live.reduce((min, p) => Math.min(min, p), Infinity);
  pair.stale = false;
}
