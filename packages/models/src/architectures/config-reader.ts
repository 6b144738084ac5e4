// Reading config.json values with one-line errors naming the key (transformers PretrainedConfig's fields and
// defaults), shared by every architecture's parseConfig.
import { showValue } from '@lora/core';
import { ModelConfigError } from '../errors.js';

type Raw = Record<string, unknown>;

/** config.json's values, read with their defaults; each bad value throws ModelConfigError naming the file and key. */
export class ConfigReader {
  constructor(
    readonly raw: Raw,
    readonly source: string,
  ) {}

  fail(key: string, expected: string, got: unknown): never {
    throw new ModelConfigError(`${this.source}: ${key} expected ${expected}, got ${showValue(got)}`);
  }

  /** whether `key` is present and not null */
  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  int(key: string, fallback?: number): number {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) this.fail(key, 'a positive integer', v);
    return v;
  }

  num(key: string, fallback: number, obj: Raw = this.raw, label = key): number {
    const v = obj[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
      this.fail(label, 'a finite number > 0', obj[key]);
    return v;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== 'boolean') this.fail(key, 'true or false', v);
    return v;
  }

  /** one of `allowed` (the default when absent), e.g. the activation names a layer implements */
  oneOf(key: string, fallback: string, allowed: readonly string[]): string {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== 'string' || !allowed.includes(v))
      this.fail(
        key,
        allowed.length === 1 ? `"${allowed[0]}"` : `one of ${allowed.join(', ')}`,
        this.raw[key],
      );
    return v;
  }

  tokenId(key: string): number | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) this.fail(key, 'a token id or null', v);
    return v;
  }

  tokenIds(key: string): number[] {
    const v = this.raw[key];
    if (v === undefined || v === null) return [];
    const list = Array.isArray(v) ? v : [v];
    if (!list.every((id) => typeof id === 'number' && Number.isInteger(id) && id >= 0)) {
      this.fail(key, 'a token id or a list of token ids', v);
    }
    return list as number[];
  }
}
