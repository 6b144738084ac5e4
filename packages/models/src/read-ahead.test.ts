import { describe, expect, test } from 'vitest';
import { readOneAhead } from './read-ahead.js';

describe('readOneAhead', () => {
  test('in order, one read in flight while each is prepared', async () => {
    const log: string[] = [];
    let inFlight = 0;
    let most = 0;
    const read = async (i: number) => {
      log.push(`read ${i}`);
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      return `v${i}`;
    };
    await readOneAhead(4, read, (i, v) => log.push(`prepare ${i} ${v} (${inFlight} reading)`));
    expect(log).toEqual([
      'read 0',
      'read 1',
      'prepare 0 v0 (1 reading)',
      'read 2',
      'prepare 1 v1 (1 reading)',
      'read 3',
      'prepare 2 v2 (1 reading)',
      'prepare 3 v3 (0 reading)',
    ]);
    expect(most).toBe(1);
  });

  test('an item that must not be read early is read after the one before it is prepared', async () => {
    const log: string[] = [];
    await readOneAhead(
      3,
      async (i) => {
        log.push(`read ${i}`);
        return i;
      },
      (i) => log.push(`prepare ${i}`),
      (i) => i !== 2,
    );
    expect(log).toEqual(['read 0', 'read 1', 'prepare 0', 'prepare 1', 'read 2', 'prepare 2']);
  });

  test('a failed prepare rejects with its error after the read in flight has settled (even if that one fails)', async () => {
    const settled: number[] = [];
    const read = (i: number) =>
      new Promise<number>((resolve, reject) =>
        setTimeout(() => {
          settled.push(i);
          if (i === 1) reject(new Error('read 1 failed'));
          else resolve(i);
        }, 5),
      );
    await expect(
      readOneAhead(3, read, () => {
        throw new Error('prepare 0 failed');
      }),
    ).rejects.toThrow('prepare 0 failed');
    expect(settled).toEqual([0, 1]); // read 1 settled before the rejection; read 2 never started
  });

  test('a failed read rejects with its error; nothing after it is read or prepared', async () => {
    const log: string[] = [];
    const read = async (i: number) => {
      log.push(`read ${i}`);
      if (i === 1) throw new Error('read 1 failed');
      return i;
    };
    await expect(readOneAhead(4, read, (i) => log.push(`prepare ${i}`))).rejects.toThrow('read 1 failed');
    expect(log).toEqual(['read 0', 'read 1', 'prepare 0']);
  });

  test('no items: nothing is read', async () => {
    let reads = 0;
    await readOneAhead(
      0,
      async () => reads++,
      () => undefined,
    );
    expect(reads).toBe(0);
  });
});
