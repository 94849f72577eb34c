import { useSyncExternalStore } from 'react';
import type { QueryClient } from '@tanstack/react-query';
import type { ImageNode } from '@imageflow/shared';
import { api, ApiError, type BundleImport } from '@/lib/api-client';

/** How far one file of the import has come. */
export type ImportStatus =
  | { kind: 'queued' }
  | { kind: 'uploading'; retryIn?: number }
  | { kind: 'done'; node: ImageNode; created: boolean }
  | { kind: 'bundle'; result: BundleImport }
  | { kind: 'refused'; message: string; status: number };

export interface ImportRow {
  id: number;
  /** The file's name, with its folder when it came in one ("holiday/IMG_0001.png"). */
  name: string;
  bytes: number;
  kind: 'image' | 'bundle';
  status: ImportStatus;
}

/** What became of an image file, as the table says it. */
export type Outcome = 'new' | 'existing' | 'attached' | 'waiting';

export function outcomeOf(status: Extract<ImportStatus, { kind: 'done' }>): Outcome {
  if (!status.created) return 'existing';
  if (status.node.parent_id !== null) return 'attached';
  if (status.node.pending_parent_sha256) return 'waiting';
  return 'new';
}

export const isFinished = (row: ImportRow) => row.status.kind !== 'queued' && row.status.kind !== 'uploading';

/** One file to import, with the folder path it was found under (if any). */
export interface PickedFile {
  file: File;
  path?: string;
}

const IMAGE_EXTENSIONS = /\.(png|jpe?g|webp|gif|avif|bmp|tiff?|heic|heif|jxl)$/i;

export function isBundleFile(file: File): boolean {
  return /\.zip$/i.test(file.name) || file.type === 'application/zip' || file.type === 'application/x-zip-compressed';
}

export function isImageFile(file: File): boolean {
  return file.type.startsWith('image/') || IMAGE_EXTENSIONS.test(file.name);
}

interface State {
  rows: readonly ImportRow[];
  /** Files of a folder that are not images, left out. */
  skipped: readonly string[];
}

/** At most this many uploads at once. */
const CONCURRENCY = 2;
/** How often a file is sent again when the server says it is busy (429, 503 with Retry-After). */
const MAX_RETRIES = 3;
const MAX_WAIT_SECONDS = 30;

let state: State = { rows: [], skipped: [] };
const files = new Map<number, File>();
const listeners = new Set<() => void>();
let nextId = 1;
let active = 0;
let client: QueryClient | null = null;
let sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function emit(next: State) {
  state = next;
  for (const l of listeners) l();
}

function update(id: number, status: ImportStatus) {
  emit({ ...state, rows: state.rows.map((r) => (r.id === id ? { ...r, status } : r)) });
}

function statusOfError(error: unknown): Extract<ImportStatus, { kind: 'refused' }> {
  if (error instanceof ApiError) return { kind: 'refused', message: error.message, status: error.status };
  return { kind: 'refused', message: error instanceof Error ? error.message : 'Something went wrong.', status: 0 };
}

const retryable = (error: unknown): error is ApiError => error instanceof ApiError && (error.status === 429 || error.status === 503) && error.retryAfter !== undefined;

/** Sends one file, waiting and trying again while the server is busy. */
async function send<T>(id: number, call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!retryable(error) || attempt >= MAX_RETRIES) throw error;
      const seconds = Math.min(MAX_WAIT_SECONDS, Math.max(1, error.retryAfter!));
      update(id, { kind: 'uploading', retryIn: seconds });
      await sleep(seconds * 1000);
      update(id, { kind: 'uploading' });
    }
  }
}

/** Children that waited for the image just imported now hang under it: their rows say so. */
async function refreshAdopted(node: ImageNode) {
  const hashes = new Set([node.sha256, node.original?.sha256].filter(Boolean));
  const waiting = state.rows.filter((r) => r.status.kind === 'done' && r.status.node.pending_parent_sha256 && hashes.has(r.status.node.pending_parent_sha256));
  for (const row of waiting) {
    try {
      const fresh = await api.image((row.status as Extract<ImportStatus, { kind: 'done' }>).node.id);
      const current = state.rows.find((r) => r.id === row.id);
      if (current?.status.kind === 'done') update(row.id, { ...current.status, node: fresh });
      client?.setQueryData(['image', fresh.id], fresh);
    } catch {
      // The row keeps what it said; the image page shows where it is now.
    }
  }
}

function afterImage(node: ImageNode) {
  client?.setQueryData(['image', node.id], node);
  void client?.invalidateQueries({ queryKey: ['gallery'] });
  void client?.invalidateQueries({ queryKey: ['lineage'] });
  void client?.invalidateQueries({ queryKey: ['usage'] });
  if (node.parent_id !== null) void client?.invalidateQueries({ queryKey: ['image', node.parent_id] });
}

function afterBundle() {
  void client?.invalidateQueries({ queryKey: ['gallery'] });
  void client?.invalidateQueries({ queryKey: ['lineage'] });
  void client?.invalidateQueries({ queryKey: ['image'] });
  void client?.invalidateQueries({ queryKey: ['usage'] });
}

async function run(row: ImportRow, file: File) {
  update(row.id, { kind: 'uploading' });
  try {
    if (row.kind === 'bundle') {
      const result = await send(row.id, () => api.importBundle(file));
      update(row.id, { kind: 'bundle', result });
      afterBundle();
    } else {
      const { node, created } = await send(row.id, () => api.importImage(file));
      update(row.id, { kind: 'done', node, created });
      afterImage(node);
      await refreshAdopted(node);
    }
  } catch (error) {
    update(row.id, statusOfError(error));
  }
}

/** Starts uploads while fewer than CONCURRENCY run; each one that ends starts the next. */
function pump() {
  while (active < CONCURRENCY) {
    const row = state.rows.find((r) => r.status.kind === 'queued' && files.has(r.id));
    if (!row) return;
    const file = files.get(row.id)!;
    files.delete(row.id);
    active++;
    // Marked at once, so the next turn of this loop takes another file.
    update(row.id, { kind: 'uploading' });
    void run(row, file).finally(() => {
      active = Math.max(0, active - 1);
      pump();
    });
  }
}

/**
 * The files being imported, kept outside any page: uploads go on while the person looks at
 * another screen, and the table is there when they come back.
 */
export const importQueue = {
  state: () => state,
  /**
   * Queues files: images and .zip bundles. From a folder, files that are not images are left out
   * (and listed as skipped); a file picked by itself is sent, and the server says what it is.
   * `bundles`: every file is a lineage bundle, whatever its name (picked as one).
   */
  add(picked: readonly PickedFile[], queryClient: QueryClient, { fromFolder = false, bundles = false } = {}): void {
    client = queryClient;
    const rows: ImportRow[] = [];
    const skipped: string[] = [];
    for (const { file, path } of picked) {
      const name = path || file.name;
      const bundle = bundles || isBundleFile(file);
      if (fromFolder && !isImageFile(file)) {
        skipped.push(name);
        continue;
      }
      const id = nextId++;
      files.set(id, file);
      rows.push({ id, name, bytes: file.size, kind: bundle ? 'bundle' : 'image', status: { kind: 'queued' } });
    }
    emit({ rows: [...state.rows, ...rows], skipped: [...state.skipped, ...skipped] });
    pump();
  },
  /** Forgets the finished rows (and the skipped list); files still on their way stay. */
  clearFinished(): void {
    emit({ rows: state.rows.filter((r) => !isFinished(r)), skipped: [] });
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  /** For tests: an empty queue, and how to wait before sending again. */
  reset(options: { sleep?: (ms: number) => Promise<void> } = {}): void {
    files.clear();
    active = 0;
    nextId = 1;
    client = null;
    if (options.sleep) sleep = options.sleep;
    emit({ rows: [], skipped: [] });
  },
};

export function useImportQueue(): State {
  return useSyncExternalStore(importQueue.subscribe, importQueue.state, importQueue.state);
}
