// Counting rows skipped on purpose, by reason, with the first few locations of each.

import { describeLocation, type Location } from './errors.js';

/** Rows skipped for one reason, with how many and where the first ones were. */
export interface SkipCount {
  reason: string;
  count: number;
  /** the first few locations, e.g. `data.jsonl line 12` */
  examples: string[];
}

const KEEP_LOCATIONS = 5;

/** Accumulates skipped rows; `toJSON()` gives the reasons in first-seen order. */
export class SkipLog {
  readonly #byReason = new Map<string, SkipCount>();

  add(reason: string, where?: Location): void {
    let entry = this.#byReason.get(reason);
    if (entry === undefined) {
      entry = { reason, count: 0, examples: [] };
      this.#byReason.set(reason, entry);
    }
    entry.count++;
    if (where !== undefined && entry.examples.length < KEEP_LOCATIONS)
      entry.examples.push(describeLocation(where));
  }

  get total(): number {
    let n = 0;
    for (const entry of this.#byReason.values()) n += entry.count;
    return n;
  }

  toJSON(): SkipCount[] {
    return [...this.#byReason.values()].map((e) => ({ ...e, examples: [...e.examples] }));
  }
}
