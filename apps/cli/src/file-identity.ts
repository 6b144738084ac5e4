// Which data a run trained on, for --resume: a data file's size and SHA-256. The hash rather than the mtime: a
// copy, a checkout or `touch` changes the mtime of the same data (a false refusal), and an edit that keeps the
// size within the mtime's resolution would pass unseen. Hashing reads the file once more, which costs about what
// reading it for training costs.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { UsageError } from './errors.js';

export interface FileIdentity {
  bytes: number;
  sha256: string;
}

/** Size and hash of a regular file (a device such as /dev/zero would never end: refused). */
export async function fileIdentity(path: string): Promise<FileIdentity> {
  const info = await stat(path);
  if (!info.isFile()) throw new UsageError(`${path}: expected a regular data file, got something else`);
  const size = info.size;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return { bytes: size, sha256: hash.digest('hex') };
}

/** `4032 bytes, sha256 1a2b3c4d5e6f` */
export function describeIdentity(id: FileIdentity): string {
  return `${id.bytes} bytes, sha256 ${id.sha256.slice(0, 12)}`;
}
