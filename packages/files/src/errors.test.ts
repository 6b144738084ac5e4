import { describe, expect, test } from 'vitest';
import { describeFsError, FilesError } from './errors.js';

const errno = (code: string) => Object.assign(new Error(`${code}: raw message`), { code });

describe('describeFsError', () => {
  test.each([
    ['EROFS', 'a read-only file system (EROFS)'],
    ['EACCES', 'no permission to write there (EACCES)'],
    ['ENOENT', 'nothing there (ENOENT)'],
    ['ENOTDIR', 'a file where a folder is needed on the path (ENOTDIR)'],
    ['ENOSPC', 'a full disk (ENOSPC)'],
  ])('%s reads "%s"', (code, words) => {
    expect(describeFsError(errno(code))).toBe(words);
  });

  test('an error without a known code keeps its message, on one line', () => {
    expect(describeFsError(new Error('odd\n  failure'))).toBe('odd failure');
  });
});

test('FilesError says path, expected and found in one line, keeping the cause', () => {
  const cause = errno('EROFS');
  const e = new FilesError('/out', 'a writable folder', describeFsError(cause), { cause });
  expect(e.message).toBe('/out: expected a writable folder, got a read-only file system (EROFS)');
  expect(e.cause).toBe(cause);
  expect(e.name).toBe('FilesError');
});
