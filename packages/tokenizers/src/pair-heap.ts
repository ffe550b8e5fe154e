/**
 * A binary max-heap ordered by count (higher first), then position (lower first): the order
 * in which minbpe picks pairs. Parallel arrays keep it allocation-free per entry.
 */
export class PairHeap<T> {
  private counts: number[] = [];
  private positions: number[] = [];
  private items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  push(count: number, pos: number, item: T): void {
    this.counts.push(count);
    this.positions.push(pos);
    this.items.push(item);
    this.siftUp(this.items.length - 1);
  }

  pop(): { count: number; pos: number; item: T } {
    if (this.items.length === 0) throw new Error('PairHeap: pop from an empty heap');
    const top = { count: this.counts[0]!, pos: this.positions[0]!, item: this.items[0]! };
    const lastCount = this.counts.pop()!;
    const lastPos = this.positions.pop()!;
    const lastItem = this.items.pop()!;
    if (this.items.length > 0) {
      this.counts[0] = lastCount;
      this.positions[0] = lastPos;
      this.items[0] = lastItem;
      this.siftDown(0);
    }
    return top;
  }

  private before(i: number, j: number): boolean {
    const ci = this.counts[i]!;
    const cj = this.counts[j]!;
    return ci > cj || (ci === cj && this.positions[i]! < this.positions[j]!);
  }

  private swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j]!, this.counts[i]!];
    [this.positions[i], this.positions[j]] = [this.positions[j]!, this.positions[i]!];
    [this.items[i], this.items[j]] = [this.items[j]!, this.items[i]!];
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let top = i;
      if (l < n && this.before(l, top)) top = l;
      if (r < n && this.before(r, top)) top = r;
      if (top === i) return;
      this.swap(i, top);
      i = top;
    }
  }
}
