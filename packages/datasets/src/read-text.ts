// A dataset file's bytes as text, strictly: only regular files (or pipes) are read, never more than fits in a string,
// and bytes that are not UTF-8 are an error naming the file, line and byte offset unless replacing them is asked for.
// Node modules load on first use, so the parsing half of this package also runs in a browser.

import { DatasetError } from './errors.js';

/** What to do with bytes that are not UTF-8: 'error' (the default) refuses the file; 'replace' reads them as U+FFFD. */
export type InvalidUtf8 = 'error' | 'replace';

/** The longest JSON Lines line read (bytes): longer means the file is not JSON Lines (or is endless). */
export const MAX_LINE_BYTES = 256 * 2 ** 20;

/** A whole JSON/CSV file is held as one string; V8 strings stop at 2^29 - 24 UTF-16 units. */
export const MAX_WHOLE_FILE_BYTES = 2 ** 29 - 24;

const mib = (n: number) => (n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(0)} MiB` : `${n} bytes`);

/** Why a path could not be read, said without raw error codes. */
function describeFsError(cause: unknown): string {
  const code = (cause as { code?: string } | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'a file it has no permission to read';
    case 'EISDIR':
      return 'a directory';
    case 'ENOTDIR':
      return 'a path through something that is not a directory';
    case 'ELOOP':
      return 'a symbolic link loop';
    default:
      return `an error: ${cause instanceof Error ? cause.message : String(cause)}`;
  }
}

function unreadable(path: string, got: string, cause?: unknown): DatasetError {
  return new DatasetError(`${path}: expected a readable dataset file, got ${got}`, {
    ...(cause !== undefined && { cause }),
    where: { file: path },
  });
}

/** Stat `path` and refuse what is not a file: a directory, a device (/dev/zero never ends), a socket. */
export async function checkReadableFile(path: string): Promise<{ size: number | undefined }> {
  const { stat } = await import('node:fs/promises');
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(path);
  } catch (cause) {
    throw unreadable(path, describeFsError(cause), cause);
  }
  if (st.isFile()) return { size: st.size };
  if (st.isFIFO()) return { size: undefined }; // a pipe, e.g. --data <(zcat data.jsonl.gz)
  const kind = st.isDirectory()
    ? 'a directory'
    : st.isCharacterDevice()
      ? 'a character device'
      : st.isBlockDevice()
        ? 'a block device'
        : st.isSocket()
          ? 'a socket'
          : 'something that is not a file';
  throw unreadable(path, kind);
}

/** Index of the first byte that does not start or continue a valid UTF-8 sequence (bytes.length when valid). */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return bytes.length;
}

const STRICT = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const LENIENT = new TextDecoder('utf-8', { ignoreBOM: true });

/** 1-based line of byte `offset` of `bytes`, whose first byte is on line `firstLine`. */
function lineAt(bytes: Uint8Array, offset: number, firstLine: number): number {
  let line = firstLine;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/**
 * Decode `bytes` (starting at byte `start` of `path`, on line `firstLine`). With 'error', invalid UTF-8 throws a
 * DatasetError with the file, line and byte offset; with 'replace', it becomes U+FFFD. A leading BOM is kept.
 */
export function decodeUtf8(
  bytes: Uint8Array,
  path: string,
  mode: InvalidUtf8,
  start = 0,
  firstLine = 1,
): string {
  if (mode === 'replace') return LENIENT.decode(bytes);
  try {
    return STRICT.decode(bytes);
  } catch (cause) {
    const at = invalidUtf8Offset(bytes);
    const line = lineAt(bytes, at, firstLine);
    const byte =
      bytes[at] === undefined
        ? 'a truncated sequence at the end'
        : `byte 0x${bytes[at]!.toString(16).padStart(2, '0')}`;
    throw new DatasetError(
      `${path} line ${line}: expected UTF-8 text, got ${byte} at byte offset ${start + at}; re-save it as UTF-8 (or read it with invalidUtf8: 'replace' to get U+FFFD)`,
      { cause, where: { file: path, line }, key: 'invalidUtf8' },
    );
  }
}

/** The whole file as text (JSON arrays and CSV are parsed whole), refusing files larger than a string can hold. */
export async function readWholeText(
  path: string,
  mode: InvalidUtf8,
  maxBytes = MAX_WHOLE_FILE_BYTES,
): Promise<string> {
  const { size } = await checkReadableFile(path);
  const tooBig = (got: string) =>
    new DatasetError(
      `${path}: expected a JSON or CSV file of at most ${mib(maxBytes)} (it is read whole; JSON Lines are read line by line), got ${got}`,
      { where: { file: path } },
    );
  if (size !== undefined && size > maxBytes) throw tooBig(`${size} bytes`);
  const { createReadStream } = await import('node:fs');
  const chunks: Buffer[] = [];
  let total = 0;
  const stream = createReadStream(path, { highWaterMark: 2 ** 20 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) throw tooBig('more bytes');
      chunks.push(chunk);
    }
  } catch (cause) {
    if (cause instanceof DatasetError) throw cause;
    throw unreadable(path, describeFsError(cause), cause);
  } finally {
    stream.destroy();
  }
  return decodeUtf8(Buffer.concat(chunks, total), path, mode);
}

/** One line of a file: its text (no line break, a trailing \r removed), 1-based number and byte offset. */
export interface TextLine {
  text: string;
  line: number;
  offset: number;
}

/**
 * Stream the lines of `path` split on \n bytes, each decoded on its own (a \n never occurs inside a UTF-8 sequence).
 * A line longer than `maxLineBytes` is a DatasetError: the file is not JSON Lines, or never ends.
 */
export async function* readLines(
  path: string,
  mode: InvalidUtf8,
  maxLineBytes = MAX_LINE_BYTES,
): AsyncGenerator<TextLine> {
  await checkReadableFile(path);
  const { createReadStream } = await import('node:fs');
  const stream = createReadStream(path, { highWaterMark: 2 ** 20 });
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let line = 1;
  let offset = 0; // byte offset of the current line's start
  const emit = (bytes: Buffer): TextLine => {
    let text = decodeUtf8(bytes, path, mode, offset, line);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    const out = { text, line, offset };
    line++;
    offset += bytes.length + 1;
    return out;
  };
  const tooLong = () =>
    new DatasetError(
      `${path} line ${line}: expected JSON Lines with lines of at most ${mib(maxLineBytes)}, got a longer line (is this a JSON Lines file?)`,
      { where: { file: path, line } },
    );
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (let nl = chunk.indexOf(0x0a, start); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
        if (pendingBytes + nl - start > maxLineBytes) throw tooLong();
        const piece = chunk.subarray(start, nl);
        const bytes = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
        pending = [];
        pendingBytes = 0;
        start = nl + 1;
        yield emit(bytes);
      }
      if (start < chunk.length) {
        pendingBytes += chunk.length - start;
        if (pendingBytes > maxLineBytes) throw tooLong();
        pending.push(chunk.subarray(start));
      }
    }
  } catch (cause) {
    if (cause instanceof DatasetError) throw cause;
    throw unreadable(path, describeFsError(cause), cause);
  } finally {
    stream.destroy();
  }
  if (pendingBytes > 0) yield emit(Buffer.concat(pending));
}
