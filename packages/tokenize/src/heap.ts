// A binary heap ordered by a caller-supplied "comes first" predicate.

export class BinaryHeap<T> {
  readonly #items: T[] = [];
  readonly #first: (a: T, b: T) => boolean;

  /** `first(a, b)` is true when a must leave the heap before b. */
  constructor(first: (a: T, b: T) => boolean) {
    this.#first = first;
  }

  get size(): number {
    return this.#items.length;
  }

  push(item: T): void {
    const items = this.#items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#first(items[i] as T, items[parent] as T)) break;
      [items[i], items[parent]] = [items[parent] as T, items[i] as T];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < items.length && this.#first(items[l] as T, items[best] as T)) best = l;
      if (r < items.length && this.#first(items[r] as T, items[best] as T)) best = r;
      if (best === i) return top;
      [items[i], items[best]] = [items[best] as T, items[i] as T];
      i = best;
    }
  }
}
