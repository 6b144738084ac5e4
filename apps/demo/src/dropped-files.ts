// Files dropped on the page: a dropped folder is walked (FileSystemDirectoryEntry, one level of subfolders is
// enough for a Hugging Face folder) and its files returned with the folder's name; loose files come back as they are.

interface Entry {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
}
interface FileEntry extends Entry {
  file(success: (file: File) => void, failure: (error: unknown) => void): void;
}
interface DirectoryEntry extends Entry {
  createReader(): {
    readEntries(success: (entries: Entry[]) => void, failure: (error: unknown) => void): void;
  };
}

const fileOf = (entry: FileEntry) => new Promise<File>((resolve, reject) => entry.file(resolve, reject));

/** Every entry of a directory (readEntries hands them out in batches until an empty one). */
async function entriesOf(dir: DirectoryEntry): Promise<Entry[]> {
  const reader = dir.createReader();
  const all: Entry[] = [];
  for (;;) {
    const batch = await new Promise<Entry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

/** The dropped files and the name of the folder they came from ("dropped files" for loose files). */
export async function droppedFiles(transfer: DataTransfer): Promise<{ files: File[]; folder: string }> {
  const entries: Entry[] = [];
  for (let i = 0; i < transfer.items.length; i++) {
    const item = transfer.items[i] as DataTransferItem & { webkitGetAsEntry?: () => Entry | null };
    const entry = item.webkitGetAsEntry?.();
    if (entry) entries.push(entry);
  }
  const dir = entries.find((e) => e.isDirectory) as DirectoryEntry | undefined;
  if (!dir) return { files: Array.from(transfer.files), folder: 'dropped files' };
  const files = await Promise.all(
    (await entriesOf(dir)).filter((e) => e.isFile).map((e) => fileOf(e as FileEntry)),
  );
  return { files, folder: dir.name };
}
