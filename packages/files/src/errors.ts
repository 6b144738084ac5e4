// The errors of @lora/files: every message is one line, `<path>: expected X, got Y`, with the system error as `cause`.

/** A file or folder that is not what was needed, or a write that failed; nothing was replaced. */
export class FilesError extends Error {
  override name = 'FilesError';
  readonly path: string;
  readonly expected: string;
  readonly found: string;

  constructor(path: string, expected: string, found: string, options: { cause?: unknown } = {}) {
    super(`${path}: expected ${expected}, got ${found}`, options.cause === undefined ? undefined : options);
    this.path = path;
    this.expected = expected;
    this.found = found;
  }
}

/** Who holds an output lock: the process, the machine, and when it took the lock. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time */
  started: string;
  /** what the holder is doing, e.g. "lora train" */
  command?: string;
}

/** An output folder that another run holds (or held, for a stale lock that was not taken over). */
export class OutputLockedError extends FilesError {
  override name = 'OutputLockedError';
  readonly holder: LockHolder | undefined;
  /** true when the holder is known to be gone (a dead pid on this host): the lock is left over from a killed run */
  readonly stale: boolean;

  constructor(
    lockPath: string,
    found: string,
    holder: LockHolder | undefined,
    stale: boolean,
    options: { cause?: unknown } = {},
  ) {
    super(lockPath, 'no other run writing into this folder', found, options);
    this.holder = holder;
    this.stale = stale;
  }
}

const FOUND: Record<string, string> = {
  ENOENT: 'nothing there (ENOENT)',
  EEXIST: 'something already there (EEXIST)',
  ENOTDIR: 'a file where a folder is needed on the path (ENOTDIR)',
  EISDIR: 'a folder (EISDIR)',
  EACCES: 'no permission to write there (EACCES)',
  EPERM: 'no permission to write there (EPERM)',
  EROFS: 'a read-only file system (EROFS)',
  ENOSPC: 'a full disk (ENOSPC)',
  EDQUOT: 'a full disk quota (EDQUOT)',
  ELOOP: 'a loop of symbolic links (ELOOP)',
  ENAMETOOLONG: 'a name too long for the file system (ENAMETOOLONG)',
  EMFILE: 'too many open files (EMFILE)',
  EBUSY: 'a file in use (EBUSY)',
  EXDEV: 'a rename across file systems (EXDEV)',
};

/** What a failed system call found, in words: `a read-only file system (EROFS)`; other errors by their message. */
export function describeFsError(cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && FOUND[code] !== undefined) return FOUND[code];
  const message = cause instanceof Error ? cause.message : String(cause);
  return message.replace(/\s*\n\s*/g, ' ');
}

/** The errno code of a system error, if it is one. */
export function errnoOf(cause: unknown): string | undefined {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
