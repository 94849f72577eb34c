import type { PickedFile } from './queue';

/** What a drop brought: the files, and whether any came from inside a folder. */
export interface Dropped {
  files: PickedFile[];
  /** Files found inside dropped folders (non-images there are left out). */
  folderFiles: PickedFile[];
}

// The File and Directory Entries API, as browsers give it on a drop.
interface Entry {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  fullPath: string;
}
interface FileEntry extends Entry {
  file: (success: (file: File) => void, failure: (error: unknown) => void) => void;
}
interface DirectoryEntry extends Entry {
  createReader: () => { readEntries: (success: (entries: Entry[]) => void, failure: (error: unknown) => void) => void };
}

const fileOf = (entry: FileEntry) => new Promise<File>((resolve, reject) => entry.file(resolve, reject));

async function entriesOf(dir: DirectoryEntry): Promise<Entry[]> {
  const reader = dir.createReader();
  const all: Entry[] = [];
  // readEntries answers in batches (100 in Chromium) until an empty one.
  for (;;) {
    const batch = await new Promise<Entry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

async function walk(entry: Entry, out: PickedFile[]): Promise<void> {
  if (entry.isFile) {
    try {
      out.push({ file: await fileOf(entry as FileEntry), path: entry.fullPath.replace(/^\//, '') });
    } catch {
      // A file that vanished or can't be read: nothing to send.
    }
  } else if (entry.isDirectory) {
    for (const child of await entriesOf(entry as DirectoryEntry)) await walk(child, out);
  }
}

/** The files of a drop, folders opened (where the browser can), each with its path. */
export async function filesFromDrop(data: DataTransfer): Promise<Dropped> {
  const items = Array.from(data.items ?? []).filter((i) => i.kind === 'file');
  const entries = items.map((i) => (typeof i.webkitGetAsEntry === 'function' ? (i.webkitGetAsEntry() as Entry | null) : null));
  if (entries.length === 0 || entries.some((e) => e === null)) {
    return { files: Array.from(data.files).map((file) => ({ file })), folderFiles: [] };
  }
  const files: PickedFile[] = [];
  const folderFiles: PickedFile[] = [];
  for (const entry of entries as Entry[]) {
    if (entry.isDirectory) await walk(entry, folderFiles);
    else await walk(entry, files);
  }
  return { files, folderFiles };
}
