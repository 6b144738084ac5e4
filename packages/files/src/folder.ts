// An output folder made ready for writing, or one line saying what is in the way: a file, a dangling symbolic link,
// a read-only folder or file system.
import { describeFsError, errnoOf, FilesError } from './errors.js';
import { nodeFs } from './node-fs.js';

function kindOf(stat: import('node:fs').Stats): string {
  if (stat.isFile()) return 'a file';
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'something that is not a folder';
}

/**
 * Make `dir` exist as a writable folder (creating missing parents). Throws FilesError naming the path, what was
 * expected and what was found: a file, a dangling symbolic link (and where it points), a file on the way, a
 * read-only folder or file system.
 */
export async function ensureFolder(dir: string): Promise<void> {
  const m = await nodeFs(dir);
  const link = await m.fs.lstat(dir).catch(() => undefined);
  if (link?.isSymbolicLink()) {
    const target = await m.fs.stat(dir).catch(() => undefined);
    if (!target) {
      const to = await m.fs.readlink(dir).catch(() => '?');
      throw new FilesError(dir, 'a folder', `a dangling symbolic link to ${to}`);
    }
  }
  const stat = await m.fs.stat(dir).catch(() => undefined);
  if (stat && !stat.isDirectory()) throw new FilesError(dir, 'a folder', kindOf(stat));
  if (!stat) {
    try {
      await m.fs.mkdir(dir, { recursive: true });
    } catch (cause) {
      // name what is in the way: the nearest existing parent
      let parent = m.path.dirname(m.path.resolve(dir));
      let found = await m.fs.stat(parent).catch(() => undefined);
      while (!found && m.path.dirname(parent) !== parent) {
        parent = m.path.dirname(parent);
        found = await m.fs.stat(parent).catch(() => undefined);
      }
      if (found && !found.isDirectory())
        throw new FilesError(dir, 'a folder', `${kindOf(found)} on the way at ${parent}`, { cause });
      const what =
        errnoOf(cause) === 'EROFS' ? describeFsError(cause) : `${describeFsError(cause)} in ${parent}`;
      throw new FilesError(dir, 'a folder that can be created', what, { cause });
    }
    return;
  }
  try {
    await m.fs.access(dir, m.fsSync.constants.W_OK);
  } catch (cause) {
    const found =
      errnoOf(cause) === 'EROFS'
        ? describeFsError(cause)
        : `a read-only folder (${errnoOf(cause) ?? 'no write access'})`;
    throw new FilesError(dir, 'a writable folder', found, { cause });
  }
}
