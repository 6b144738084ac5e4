// An in-memory stand-in for the Origin Private File System handles opfsStorage uses, with the semantics browsers give
// them: createWritable() writes a copy that replaces the file on close() (abort() drops it), missing entries and
// wrong kinds are DOMExceptions named NotFoundError and TypeMismatchError, and a folder is not removed with its
// contents unless `recursive` is set.
import type { OpfsDirectory, OpfsFile, OpfsWritable } from './opfs-storage.js';

const notFound = (name: string) => new DOMException(`${name}: no such entry`, 'NotFoundError');
const mismatch = (name: string) =>
  new DOMException(`${name}: an entry of the other kind`, 'TypeMismatchError');

export class FakeOpfsFile implements OpfsFile {
  readonly kind = 'file';
  bytes: Uint8Array = new Uint8Array(0);

  async getFile(): Promise<Blob> {
    return new Blob([this.bytes.slice()]);
  }

  async createWritable(options: { keepExistingData?: boolean } = {}): Promise<OpfsWritable> {
    let data = options.keepExistingData ? this.bytes.slice() : new Uint8Array(0);
    let cursor = 0;
    let open = true;
    const commit = (bytes: Uint8Array) => {
      this.bytes = bytes;
    };
    return {
      async write(chunk) {
        if (!open) throw new TypeError('write: the stream is closed');
        const [position, bytes] =
          chunk instanceof Uint8Array ? [cursor, chunk] : [chunk.position, chunk.data];
        const grown = new Uint8Array(Math.max(data.length, position + bytes.length));
        grown.set(data);
        grown.set(bytes, position);
        data = grown;
        cursor = position + bytes.length;
      },
      async close() {
        if (!open) throw new TypeError('close: the stream is closed');
        open = false;
        commit(data);
      },
      async abort() {
        open = false;
      },
    };
  }
}

export class FakeOpfsDirectory implements OpfsDirectory {
  readonly kind = 'directory';
  readonly children = new Map<string, FakeOpfsDirectory | FakeOpfsFile>();

  async getDirectoryHandle(name: string, options: { create?: boolean } = {}): Promise<FakeOpfsDirectory> {
    const found = this.children.get(name);
    if (found instanceof FakeOpfsDirectory) return found;
    if (found) throw mismatch(name);
    if (!options.create) throw notFound(name);
    const made = new FakeOpfsDirectory();
    this.children.set(name, made);
    return made;
  }

  async getFileHandle(name: string, options: { create?: boolean } = {}): Promise<FakeOpfsFile> {
    const found = this.children.get(name);
    if (found instanceof FakeOpfsFile) return found;
    if (found) throw mismatch(name);
    if (!options.create) throw notFound(name);
    const made = new FakeOpfsFile();
    this.children.set(name, made);
    return made;
  }

  async removeEntry(name: string, options: { recursive?: boolean } = {}): Promise<void> {
    const found = this.children.get(name);
    if (!found) throw notFound(name);
    if (found instanceof FakeOpfsDirectory && found.children.size > 0 && !options.recursive)
      throw new DOMException(`${name}: a folder that is not empty`, 'InvalidModificationError');
    this.children.delete(name);
  }

  async *entries(): AsyncGenerator<[string, FakeOpfsDirectory | FakeOpfsFile]> {
    for (const entry of [...this.children]) yield entry;
  }
}
