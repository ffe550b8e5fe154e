/**
 * Applying learned merges to a chunk of bytes, with minbpe's rule: while some adjacent pair has
 * a merge, merge every occurrence of the earliest-learned one, left to right.
 *
 * Short chunks (the usual case after a regex split) use a plain scan. Long ones (pattern
 * `'none'`) keep, per rank, the positions where that pair formed, over a linked list of tokens,
 * and visit ranks in order, each left to right. That gives the same result: a merge only creates
 * pairs of a later rank, so a rank's list is complete when its turn comes.
 */

/**
 * Merge ranks: `rankOf(a, b)` is the merge index of pair (a, b), or -1. An open-addressing hash
 * table on typed arrays: this lookup is the hot loop of encoding.
 */
export class MergeRanks {
  private readonly keysA: Int32Array;
  private readonly keysB: Int32Array;
  private readonly ranks: Int32Array;
  private readonly mask: number;

  constructor(merges: ReadonlyArray<readonly [number, number]>) {
    let size = 16;
    while (size < merges.length * 2) size *= 2; // load factor at most 1/2
    this.mask = size - 1;
    this.keysA = new Int32Array(size).fill(-1);
    this.keysB = new Int32Array(size);
    this.ranks = new Int32Array(size);
    merges.forEach(([a, b], rank) => {
      let slot = hash(a, b) & this.mask;
      while (this.keysA[slot] !== -1) slot = (slot + 1) & this.mask;
      this.keysA[slot] = a;
      this.keysB[slot] = b;
      this.ranks[slot] = rank;
    });
  }

  rankOf(a: number, b: number): number {
    for (let slot = hash(a, b) & this.mask; ; slot = (slot + 1) & this.mask) {
      const key = this.keysA[slot]!;
      if (key === -1) return -1;
      if (key === a && this.keysB[slot] === b) return this.ranks[slot]!;
    }
  }
}

function hash(a: number, b: number): number {
  return Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77);
}

/** Byte length above which {@link applyMerges} switches from the scan to the rank buckets. */
export const LONG_CHUNK = 64;

/** Encodes one chunk's bytes to ids (appended to `out`). */
export function applyMerges(bytes: Uint8Array, ranks: MergeRanks, out: number[], longChunk = LONG_CHUNK): void {
  if (bytes.length > longChunk) applyMergesBuckets(bytes, ranks, out);
  else applyMergesScan(bytes, ranks, out);
}

function applyMergesScan(bytes: Uint8Array, ranks: MergeRanks, out: number[]): void {
  const ids = Array.from(bytes);
  let n = ids.length;
  while (n >= 2) {
    // 1. The earliest-learned pair present.
    let best = -1;
    for (let i = 0; i + 1 < n; i++) {
      const r = ranks.rankOf(ids[i]!, ids[i + 1]!);
      if (r >= 0 && (best < 0 || r < best)) best = r;
    }
    if (best < 0) break;
    // 2. Merge its occurrences left to right, compacting in place.
    const id = 256 + best;
    let w = 0;
    for (let i = 0; i < n; i++) {
      if (i + 1 < n && ranks.rankOf(ids[i]!, ids[i + 1]!) === best) {
        ids[w++] = id;
        i++;
      } else {
        ids[w++] = ids[i]!;
      }
    }
    n = w;
  }
  for (let i = 0; i < n; i++) out.push(ids[i]!);
}

function applyMergesBuckets(bytes: Uint8Array, ranks: MergeRanks, out: number[]): void {
  const n = bytes.length;
  const tok = Int32Array.from(bytes);
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  // buckets[r]: positions where pair r was formed; `unsorted[r]` once one arrived out of order.
  const buckets: number[][] = [];
  const unsorted: boolean[] = [];
  let lastRank = -1;
  const track = (p: number): void => {
    const q = next[p]!;
    if (q < 0) return;
    const r = ranks.rankOf(tok[p]!, tok[q]!);
    if (r < 0) return;
    let bucket = buckets[r];
    if (bucket === undefined) {
      bucket = [];
      buckets[r] = bucket;
    }
    if (bucket.length > 0 && bucket[bucket.length - 1]! > p) unsorted[r] = true;
    bucket.push(p);
    if (r > lastRank) lastRank = r;
  };
  for (let i = 0; i + 1 < n; i++) track(i);

  for (let r = 0; r <= lastRank; r++) {
    const bucket = buckets[r];
    if (bucket === undefined) continue;
    const positions = unsorted[r] ? Int32Array.from(bucket).sort() : bucket;
    for (const p of positions) {
      const q = next[p]!;
      if (tok[p]! < 0 || q < 0 || ranks.rankOf(tok[p]!, tok[q]!) !== r) continue; // taken by an overlapping merge
      tok[p] = 256 + r;
      tok[q] = -1;
      next[p] = next[q]!;
      if (next[q]! >= 0) prev[next[q]!] = p;
      if (prev[p]! >= 0) track(prev[p]!);
      track(p);
    }
    buckets[r] = []; // free it
  }
  for (let p = 0; p >= 0; p = next[p]!) out.push(tok[p]!);
}
