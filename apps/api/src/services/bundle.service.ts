import type { Readable, Writable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type { BundleImport, BundleNode, BundleOriginalFormat, BundleScope } from '@imageflow/shared';
import { BUNDLE_ORIGINAL_EXTENSIONS } from '@imageflow/shared';
import { NotFoundError } from '../errors.ts';
import { BundleError, openBundle, type Bundle } from '../lib/bundle/read.ts';
import { prepareBundle, writeBundle, type BundleExportFile } from '../lib/bundle/write.ts';
import { contentTypeOf } from '../lib/filenames.ts';
import type { ImageStore } from '../ports/image-store.port.ts';
import type { NodeRepository, NodeWithCounts } from '../ports/node.repository.port.ts';
import type { Clock } from '../ports/system.port.ts';
import { mayAccess, type Actor } from './access.ts';
import type { NodeDraft, NodeWriter } from './node-writer.ts';

/** Nodes read from the database at a time while a bundle is written. */
const PAGE = 500;

/** The bundle formats of the originals we keep (the rest travel without their original). */
const BUNDLE_FORMAT_OF: Record<string, BundleOriginalFormat> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/webp': 'webp' };

export interface BundleDeps {
  nodes: NodeRepository;
  store: ImageStore;
  writer: NodeWriter;
  clock: Clock;
  appVersion: string;
}

/** Where a node of a bundle landed here. */
type Placed = Pick<NodeWithCounts, 'id' | 'root_id' | 'depth' | 'sha256'>;

/** A bundle ready to stream: its header was checked against every node before the first byte. */
export interface BundleExport {
  filename: string;
  write(output: Writable): Promise<void>;
}

/**
 * Lineage bundles: an image's tree, branch or path as one .zip (a manifest of nodes, recipes and
 * hashes, then the files byte for byte), and the import of one into this ImageFlow with the same
 * tree and the same hashes. Both stream: neither holds the tree's files in memory.
 */
export class BundleService {
  constructor(
    private readonly deps: BundleDeps,
    private readonly limits: { maxBytes: number },
  ) {}

  async export(id: number, scope: BundleScope, actor: Actor): Promise<BundleExport> {
    const focus = await this.deps.nodes.findById(id);
    if (!focus || !mayAccess(actor, focus.owner_id)) throw new NotFoundError(`No image with id ${id}.`);
    const nodes = () => this.exported(focus, scope, actor);
    const header = await prepareBundle({ exported_at: this.deps.clock.now().toISOString(), app_version: this.deps.appVersion, scope }, nodes);
    return {
      filename: `imageflow-${id}-${scope}.zip`,
      write: (output) => writeBundle(output, header, nodes, (file) => this.openFile(file)),
    };
  }

  /**
   * Imports a bundle spooled to `path`. Every file is checked against the manifest first, so a
   * damaged bundle is refused whole and leaves nothing. Nodes already here (the same image hash)
   * are kept as they are, so importing a bundle twice adds nothing; the others are written with
   * the bundle's bytes, recipes and times, under their parents.
   */
  async import(path: string, actor: Actor): Promise<BundleImport> {
    const bundle = await openBundle(path, { maxTotalBytes: this.limits.maxBytes });
    try {
      await bundle.verify();
      return await this.importVerified(bundle, actor);
    } finally {
      await bundle.close();
    }
  }

  private async importVerified(bundle: Bundle, actor: Actor): Promise<BundleImport> {
    /** Bundle key → the node it is here (only what a child needs, so a large tree stays small in memory). */
    const here = new Map<number, Placed>();
    let added = 0;
    let existing = 0;
    let first: NodeWithCounts | undefined;
    for await (const node of bundle.nodes()) {
      let row = node.sha256 === null ? undefined : await this.deps.nodes.findBySha256(node.sha256, actor.id, { live: false });
      if (row) existing++;
      else {
        row = await this.add(bundle, node, node.parent_key === null ? undefined : here.get(node.parent_key), actor);
        added++;
      }
      here.set(node.key, { id: row.id, root_id: row.root_id, depth: row.depth, sha256: row.sha256 });
      first ??= row;
    }
    return { nodes: bundle.header.node_count, added, existing, root_id: first ? (await this.deps.nodes.findById(first.id))!.root_id : null, focus_id: first?.id ?? null };
  }

  private async add(bundle: Bundle, node: BundleNode, parentInBundle: Placed | undefined, actor: Actor): Promise<NodeWithCounts> {
    const parent =
      parentInBundle ?? (node.parent_sha256 === null ? undefined : await this.deps.nodes.findBySha256(node.parent_sha256, actor.id, { live: false }));
    // A node whose parent is not here waits for it as a root, like an uploaded image of ours.
    const waiting = !parent && node.parent_sha256 !== null;
    const draft = {
      width: node.width,
      height: node.height,
      seed: node.seed,
      prompt: node.prompt,
      negativePrompt: node.negative_prompt,
      model: node.model,
      provider: node.provider,
      actionType: waiting ? ('upload' as const) : node.action_type,
      spec: { width: node.width, height: node.height, ...node.spec, ...(waiting ? { recorded_action: node.action_type } : {}) },
      requestParams: node.request_params,
      ownerId: actor.id,
      parent: parent ? { id: parent.id, rootId: parent.root_id, depth: parent.depth, sha256: parent.sha256 } : null,
      pendingParentSha256: waiting ? node.parent_sha256 : null,
      createdAt: node.created_at,
    };
    let id: number;
    if (node.deleted || node.file === null) {
      id = await this.deps.writer.writeTombstone({ ...draft, sha256: node.sha256 ?? '', bytes: node.bytes });
    } else {
      const full: NodeDraft = {
        ...draft,
        png: await buffer(await bundle.openFile(node.file)),
        verbatim: true,
        jobId: null,
        ...(node.original
          ? { original: { data: await buffer(await bundle.openFile(node.original.file)), format: node.original.format, sha256: node.original.sha256 } }
          : {}),
      };
      [id] = (await this.deps.writer.write([full])) as [number];
      if (node.starred) await this.deps.nodes.setStarred(id, true);
    }
    const row = (await this.deps.nodes.findById(id))!;
    // Images that came earlier and wait for this one now hang under it.
    const hashes = [row.sha256, ...(row.original ? [row.original.sha256] : [])].filter((h) => h !== '');
    if (hashes.length > 0 && (await this.deps.nodes.adoptOrphans({ id: row.id, rootId: row.root_id, depth: row.depth }, hashes, actor.id)).length > 0) {
      return (await this.deps.nodes.findById(id))!;
    }
    return row;
  }

  /** The nodes of the bundle, parents first, as the manifest lists them. */
  private async *exported(focus: NodeWithCounts, scope: BundleScope, actor: Actor): AsyncGenerator<BundleNode> {
    /** The nodes in the bundle so far, with their image hash (their children name it). */
    const sha = new Map<number, string>();
    let firstDone = false;
    for await (const row of this.rows(focus, scope)) {
      const isFirst = !firstDone;
      // Only what the exporter may see, and only under a node that is in the bundle.
      if (!mayAccess(actor, row.owner_id) || (!isFirst && (row.parent_id === null || !sha.has(row.parent_id)))) continue;
      firstDone = true;
      let parentSha: string | null = null;
      if (row.parent_id !== null) parentSha = sha.get(row.parent_id) ?? (await this.deps.nodes.findById(row.parent_id))?.sha256 ?? null;
      if (isFirst && scope !== 'branch') parentSha = null;
      sha.set(row.id, row.sha256);
      yield this.toBundleNode(row, isFirst ? null : row.parent_id, parentSha);
    }
  }

  private async *rows(focus: NodeWithCounts, scope: BundleScope): AsyncGenerator<NodeWithCounts> {
    if (scope === 'path') {
      yield* await this.deps.nodes.ancestors(focus.id);
      return;
    }
    if (scope === 'branch') yield focus;
    let after: { depth: number; id: number } | undefined;
    for (;;) {
      const page = scope === 'tree' ? await this.deps.nodes.treePage(focus.root_id, PAGE, after) : await this.deps.nodes.descendantsPage(focus.id, PAGE, after);
      yield* page.rows;
      const last = page.rows.at(-1);
      if (!page.hasMore || !last) return;
      after = { depth: last.depth, id: last.id };
    }
  }

  private toBundleNode(row: NodeWithCounts, parentKey: number | null, parentSha256: string | null): BundleNode {
    // What is in the trash travels as a tombstone: its owner meant it gone.
    const live = row.deleted_at === null && row.trashed_at === null;
    const originalFormat = row.original ? BUNDLE_FORMAT_OF[contentTypeOf(row.original.filename)] : undefined;
    return {
      key: row.id,
      parent_key: parentKey,
      parent_sha256: parentSha256,
      action_type: row.action_type,
      model: row.model,
      provider: row.provider,
      prompt: row.prompt,
      negative_prompt: row.negative_prompt,
      seed: row.seed,
      spec: row.spec,
      request_params: row.request_params,
      width: row.width,
      height: row.height,
      created_at: row.created_at,
      starred: row.starred,
      deleted: !live,
      sha256: row.sha256 || null,
      bytes: row.bytes,
      file: live ? `files/${row.sha256}.png` : null,
      original:
        live && row.original && originalFormat
          ? {
              file: `originals/${row.original.sha256}.${BUNDLE_ORIGINAL_EXTENSIONS[originalFormat]}`,
              sha256: row.original.sha256,
              bytes: row.original.bytes,
              format: originalFormat,
            }
          : null,
    };
  }

  private async openFile(file: BundleExportFile): Promise<Readable> {
    const row = await this.deps.nodes.findById(file.key);
    const name = file.kind === 'image' ? row?.filename : row?.original?.filename;
    const opened = name ? await this.deps.store.open(file.kind === 'image' ? 'images' : 'originals', name) : null;
    if (!opened) throw new BundleError('bundle_source_changed', `Image ${file.key} was deleted while it was being exported; export again.`);
    return opened.body();
  }
}
