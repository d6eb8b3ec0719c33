/** Job ids by the time they fall due (a binary min-heap); an id added again keeps its latest time. */
export class DueQueue {
  private readonly heap: Array<{ at: number; id: string }> = [];
  private readonly latest = new Map<string, number>();

  add(id: string, at: number): void {
    this.latest.set(id, at);
    this.heap.push({ at, id });
    let i = this.heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.heap[parent]!.at <= this.heap[i]!.at) break;
      [this.heap[parent], this.heap[i]] = [this.heap[i]!, this.heap[parent]!];
      i = parent;
    }
  }

  /** The earliest time anything falls due (Infinity when empty). */
  next(): number {
    this.dropStale();
    return this.heap[0]?.at ?? Number.POSITIVE_INFINITY;
  }

  /** Removes and returns an id due at `now`, if any. */
  takeDue(now: number): string | undefined {
    if (this.next() > now) return undefined;
    const { id } = this.pop()!;
    this.latest.delete(id);
    return id;
  }

  get size(): number {
    return this.latest.size;
  }

  /** Entries superseded by a later add of the same id. */
  private dropStale(): void {
    while (this.heap.length > 0 && this.latest.get(this.heap[0]!.id) !== this.heap[0]!.at) this.pop();
  }

  private pop(): { at: number; id: string } | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (this.heap.length > 0 && last) {
      this.heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let smallest = i;
        if (l < this.heap.length && this.heap[l]!.at < this.heap[smallest]!.at) smallest = l;
        if (r < this.heap.length && this.heap[r]!.at < this.heap[smallest]!.at) smallest = r;
        if (smallest === i) break;
        [this.heap[smallest], this.heap[i]] = [this.heap[i]!, this.heap[smallest]!];
        i = smallest;
      }
    }
    return top;
  }
}
