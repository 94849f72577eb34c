import { z } from 'zod';
import { storableText } from './api.ts';
import { ActionType, MAX_PROMPT_LENGTH, MAX_SEED } from './recipe.ts';

/**
 * A lineage bundle: an image's tree (or a branch of it) as one .zip that another ImageFlow can
 * import. Its first entry, BUNDLE_MANIFEST, is JSON lines: a BundleHeader, then one BundleNode per
 * node, parents before children. Then each file once: `files/<sha256>.png` (the image shown) and
 * `originals/<sha256>.<png|jpg|webp>` (an upload as it came), byte for byte.
 */
export const BUNDLE_FORMAT = 'imageflow-bundle';
export const BUNDLE_VERSION = 1;
export const BUNDLE_MANIFEST = 'imageflow-bundle.jsonl';

/** The most nodes one bundle holds. */
export const BUNDLE_MAX_NODES = 100_000;
/** The longest line of the manifest, in bytes, without its line feed. */
export const BUNDLE_MAX_LINE_BYTES = 1024 * 1024;
/** The largest file a bundle holds, in bytes. */
export const BUNDLE_MAX_FILE_BYTES = 256 * 1024 * 1024;

export const BUNDLE_SCOPES = ['tree', 'branch', 'path'] as const;
export type BundleScope = (typeof BUNDLE_SCOPES)[number];

/** The formats an upload's original may have, with the extension its entry takes. */
export const BUNDLE_ORIGINAL_EXTENSIONS = { png: 'png', jpeg: 'jpg', webp: 'webp' } as const;
export type BundleOriginalFormat = keyof typeof BUNDLE_ORIGINAL_EXTENSIONS;
const BUNDLE_ORIGINAL_FORMATS = ['png', 'jpeg', 'webp'] as const satisfies readonly BundleOriginalFormat[];

const SHA256 = /^[0-9a-f]{64}$/;
/** The names a bundle's files may have: the sha256 of the bytes, and the kind of file. */
export const BUNDLE_IMAGE_ENTRY = /^files\/([0-9a-f]{64})\.png$/;
export const BUNDLE_ORIGINAL_ENTRY = /^originals\/([0-9a-f]{64})\.(png|jpg|webp)$/;

export const Sha256 = z.string().regex(SHA256, 'must be a sha256: 64 lowercase hexadecimal digits');

const Key = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const Timestamp = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date and time, like 2025-01-31T12:00:00.000Z' });
const ByteCount = z.number().int().min(0).max(BUNDLE_MAX_FILE_BYTES);
const Side = z.number().int().min(0).max(1_000_000);
const JsonObject = z.record(z.string(), z.unknown());

/** The entry name of the image shown for a node with this sha256. */
export function bundleImageEntry(sha256: string): string {
  return `files/${sha256}.png`;
}

/** The entry name of an upload's original. */
export function bundleOriginalEntry(sha256: string, format: BundleOriginalFormat): string {
  return `originals/${sha256}.${BUNDLE_ORIGINAL_EXTENSIONS[format]}`;
}

/** Line 1 of the manifest. */
export const BundleHeader = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  version: z.literal(BUNDLE_VERSION),
  exported_at: Timestamp,
  app_version: storableText('app_version', 64).pipe(z.string().min(1)),
  scope: z.enum(BUNDLE_SCOPES).describe('tree: a whole tree from its root; branch: a node and all it led to; path: the line from a root to one node.'),
  root_sha256: Sha256.nullable().describe('The sha256 of the first node: the top of what the bundle holds.'),
  node_count: z.number().int().min(1).max(BUNDLE_MAX_NODES),
  file_count: z.number().int().min(0).max(2 * BUNDLE_MAX_NODES).describe('Files in the bundle, each counted once however many nodes show it.'),
});
export type BundleHeader = z.infer<typeof BundleHeader>;

export const BundleOriginal = z.strictObject({
  file: z.string(),
  sha256: Sha256,
  bytes: ByteCount,
  format: z.enum(BUNDLE_ORIGINAL_FORMATS),
});
export type BundleOriginal = z.infer<typeof BundleOriginal>;

/** One node of the manifest. A tombstone (`deleted`) keeps its recipe and has no files. */
export const BundleNode = z
  .strictObject({
    key: Key.describe("The node's id where it was exported: only for the edges inside the bundle."),
    parent_key: Key.nullable().describe('The key of the parent, an earlier node of the bundle; null for the first node.'),
    parent_sha256: Sha256.nullable().describe("The parent's image sha256, also when the parent is not in the bundle."),
    action_type: ActionType,
    model: storableText('model', 256),
    provider: storableText('provider', 256),
    prompt: storableText('prompt', MAX_PROMPT_LENGTH),
    negative_prompt: storableText('negative_prompt', MAX_PROMPT_LENGTH),
    seed: z.number().int().min(0).max(MAX_SEED).nullable(),
    spec: JsonObject,
    request_params: JsonObject,
    width: Side,
    height: Side,
    created_at: Timestamp,
    starred: z.boolean(),
    deleted: z.boolean(),
    sha256: Sha256.nullable().describe('The sha256 of the image; a tombstone keeps the one it had, or null.'),
    bytes: ByteCount,
    file: z.string().nullable().describe('"files/<sha256>.png"; null for a tombstone.'),
    original: BundleOriginal.nullable(),
  })
  .superRefine((node, ctx) => {
    if (node.deleted) {
      if (node.file !== null) ctx.addIssue({ code: 'custom', path: ['file'], message: 'a deleted node (tombstone) has no file: file must be null' });
      if (node.original !== null) ctx.addIssue({ code: 'custom', path: ['original'], message: 'a deleted node (tombstone) has no original: original must be null' });
    } else if (node.sha256 === null) {
      ctx.addIssue({ code: 'custom', path: ['sha256'], message: 'a node that is not deleted needs the sha256 of its image' });
    } else if (node.file !== bundleImageEntry(node.sha256)) {
      ctx.addIssue({ code: 'custom', path: ['file'], message: `must be "${bundleImageEntry(node.sha256)}", the name its sha256 gives` });
    }
    if (node.original && node.original.file !== bundleOriginalEntry(node.original.sha256, node.original.format)) {
      const name = bundleOriginalEntry(node.original.sha256, node.original.format);
      ctx.addIssue({ code: 'custom', path: ['original', 'file'], message: `must be "${name}", the name its sha256 and format give` });
    }
  });
export type BundleNode = z.infer<typeof BundleNode>;

/** A file a node names: its entry, the sha256 and size its bytes must have. */
export interface BundleFileRef {
  name: string;
  sha256: string;
  bytes: number;
  kind: 'image' | 'original';
}

/** The files of a node, the image first; none for a tombstone. */
export function bundleFilesOf(node: BundleNode): BundleFileRef[] {
  const files: BundleFileRef[] = [];
  if (node.file !== null && node.sha256 !== null) files.push({ name: node.file, sha256: node.sha256, bytes: node.bytes, kind: 'image' });
  if (node.original) files.push({ name: node.original.file, sha256: node.original.sha256, bytes: node.original.bytes, kind: 'original' });
  return files;
}

/** What importing a bundle did. */
export const BundleImport = z.object({
  nodes: z.number().int().describe('Nodes in the bundle.'),
  added: z.number().int().describe('Nodes written here.'),
  existing: z.number().int().describe('Nodes that were already here (the same image hash): kept as they are.'),
  root_id: z.number().int().nullable().describe('The root of the tree the bundle landed in.'),
  focus_id: z.number().int().nullable().describe('The first node of the bundle, as it is here.'),
});
export type BundleImport = z.infer<typeof BundleImport>;
