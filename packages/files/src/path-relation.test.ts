import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { canonicalPath, pathRelation } from './path-relation.js';
import { testDir } from './test-dir.test-support.js';

const root = testDir('lora-files-rel-');
mkdirSync(join(root, 'models', 'base'), { recursive: true });
mkdirSync(join(root, 'models-2'), { recursive: true });
writeFileSync(join(root, 'models', 'base', 'config.json'), '{}');
symlinkSync(join(root, 'models', 'base'), join(root, 'base-link'));
symlinkSync(join(root, 'models'), join(root, 'models-link'));

describe('pathRelation', () => {
  test.each([
    ['models/base', 'models/base', 'same'],
    ['models/base/', 'models/./base', 'same'],
    ['base-link', 'models/base', 'same'],
    ['models/base/merged', 'models/base', 'inside'],
    ['base-link/merged/deeper', 'models/base', 'inside'],
    ['models', 'models/base/config.json', 'contains'],
    ['models-link', 'base-link', 'contains'],
    ['models-2', 'models', 'apart'],
    ['models/base-2', 'models/base', 'apart'],
    ['models', 'models-2/x', 'apart'],
  ])('%s to %s: %s', async (a, b, expected) => {
    expect(await pathRelation(join(root, a), join(root, b))).toBe(expected);
  });

  test('a path not made yet resolves through its existing parent', async () => {
    expect(await canonicalPath(join(root, 'base-link', 'new', 'out'))).toBe(
      join(await canonicalPath(join(root, 'models', 'base')), 'new', 'out'),
    );
  });
});
