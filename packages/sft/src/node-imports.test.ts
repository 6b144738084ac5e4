import { fileURLToPath } from 'node:url';
import { staticNodeImportsIn } from '@lora/testing';
import { describe, expect, test } from 'vitest';

const srcDir = fileURLToPath(new URL('.', import.meta.url));

describe('no static node: import in the package (a page bundles the Trainer with opfsStorage or memoryStorage)', () => {
  test.each(staticNodeImportsIn(srcDir))(
    '$file imports Node built-ins only inside functions',
    ({ imports }) => {
      expect(imports).toEqual([]);
    },
  );
});
