import type { CreateShare, ImageNode, SharedView, ShareSummary } from '@imageflow/shared';
import { AppError, NotFoundError, ValidationError } from '../errors.ts';
import { thumbnailFilename } from '../lib/filenames.ts';
import { hashPassword, hashSecret, newSecret, verifyPassword } from '../lib/passwords.ts';
import type { Bucket, StoredFile } from '../ports/image-store.port.ts';
import type { NodeRepository, NodeWithCounts } from '../ports/node.repository.port.ts';
import type { ShareRecord, ShareRepository } from '../ports/share.repository.port.ts';
import type { Clock, Random } from '../ports/system.port.ts';
import { mayAccess, ownerScope, type Actor } from './access.ts';
import type { FileService } from './file.service.ts';
import { toImageNode } from './presenter.ts';
import type { PublicUrls } from './public-urls.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
/** A branch link shows at most this many nodes (the rest are reported as truncated). */
export const MAX_SHARED_NODES = 1000;
/** How long a browser that gave a link's password may open it without asking again. */
const UNLOCK_MS = DAY_MS;
/** Share keys carry 256 random bits; anything else is not a key (and is not looked up). */
const KEY = /^[A-Za-z0-9_-]{43}$/;

/** A link that existed but no longer works. */
export class ShareGoneError extends AppError {
  constructor(reason: 'expired' | 'revoked' | 'deleted') {
    super(
      410,
      `share_${reason}`,
      reason === 'deleted' ? 'The image this link shared has been deleted.' : `This link has ${reason === 'expired' ? 'expired' : 'been revoked by its owner'}; ask them for a new one.`,
    );
  }
}

export class SharePasswordError extends AppError {
  constructor(wrong: boolean) {
    super(401, wrong ? 'share_password_wrong' : 'share_password_required', wrong ? 'The password is wrong.' : 'This link is protected by a password; send it to POST /api/s/{key}/unlock.');
  }
}

export interface ShareDeps {
  shares: ShareRepository;
  nodes: NodeRepository;
  files: FileService;
  urls: PublicUrls;
  clock: Clock;
  random: Random;
}

/**
 * Share links to an image, a branch or a path. The key is shown once and stored as its SHA-256;
 * every node and file reached through a link is checked against the set it shares.
 */
export class ShareService {
  constructor(private readonly deps: ShareDeps) {}

  async create(actor: Actor, request: CreateShare): Promise<ShareSummary & { url: string }> {
    const node = await this.deps.nodes.findById(request.node_id);
    if (!node || !mayAccess(actor, node.owner_id)) throw new NotFoundError(`No image with id ${request.node_id}.`);
    if (node.deleted_at !== null && request.scope === 'image') throw new NotFoundError(`Image ${request.node_id} was deleted; there is nothing to share.`);
    if (node.trashed_at !== null) throw new ValidationError(`Image ${request.node_id} is in the trash; restore it before sharing it.`);
    const { secret, hash } = newSecret();
    const now = this.deps.clock.now();
    const share: ShareRecord = {
      id: this.deps.random.uuid(),
      owner_id: actor.id,
      node_id: node.id,
      scope: request.scope,
      created_at: now.toISOString(),
      expires_at: request.expires_in_days === null ? null : new Date(now.getTime() + request.expires_in_days * DAY_MS).toISOString(),
      has_password: request.password !== undefined,
      allow_download: request.allow_download,
      show_recipe: request.show_recipe,
      revoked_at: null,
      view_count: 0,
      last_viewed_at: null,
    };
    await this.deps.shares.insert(share, hash, request.password === undefined ? null : await hashPassword(request.password));
    return { ...this.summary(share), url: this.deps.urls.share(secret) };
  }

  async list(actor: Actor): Promise<ShareSummary[]> {
    const scope = ownerScope(actor);
    return (await this.deps.shares.list(actor.role === 'admin' ? scope : actor.id)).map((s) => this.summary(s));
  }

  async revoke(actor: Actor, id: string): Promise<ShareSummary> {
    const share = /^[0-9a-f-]{36}$/.test(id) ? await this.deps.shares.findById(id) : undefined;
    if (!share || !mayAccess(actor, share.owner_id)) throw new NotFoundError(`You have no share link with id "${id}".`);
    await this.deps.shares.revoke(id, this.now());
    return this.summary((await this.deps.shares.findById(id))!);
  }

  /**
   * What a link shows; counts a view unless the owner looks. `unlock` is the browser's proof of the
   * password, if any.
   */
  async view(key: string, unlock: string | undefined, viewer: Actor | null): Promise<SharedView> {
    const share = await this.live(key, unlock);
    const ownerLooks = viewer !== null && viewer.id !== null && viewer.id === share.owner_id;
    if (!ownerLooks) await this.deps.shares.countView(share.id, this.now());
    const focus = await this.deps.nodes.findById(share.node_id);
    if (!focus || focus.trashed_at !== null) throw new ShareGoneError('deleted');
    let rows: NodeWithCounts[];
    let truncated = false;
    if (share.scope === 'image') {
      if (focus.deleted_at !== null) throw new ShareGoneError('deleted');
      rows = [focus];
    } else if (share.scope === 'path') {
      rows = await this.deps.nodes.ancestors(focus.id);
    } else {
      const page = await this.deps.nodes.descendantsPage(focus.id, MAX_SHARED_NODES - 1);
      rows = [focus, ...page.rows];
      truncated = page.hasMore;
    }
    const root = rows[0]!;
    const inSet = new Set(rows.map((r) => r.id));
    const childrenInSet = new Map<number, number>();
    for (const r of rows) if (r.parent_id !== null && inSet.has(r.parent_id)) childrenInSet.set(r.parent_id, (childrenInSet.get(r.parent_id) ?? 0) + 1);
    return {
      share: { scope: share.scope, expires_at: share.expires_at, allow_download: share.allow_download, show_recipe: share.show_recipe },
      focus_id: focus.id,
      root_id: root.id,
      path: share.scope === 'path' ? rows.map((r) => r.id) : [focus.id],
      nodes: rows.map((row) => this.sharedNode(key, share, row, root, childrenInSet.get(row.id) ?? 0)),
      truncated,
    };
  }

  /**
   * A link preview for chat apps (OpenGraph): a title and the focus image's thumbnail path. None
   * for a link with a password or one that no longer works; the recipe's prompt only if shown.
   * Counts no view.
   */
  async preview(key: string): Promise<{ title: string; description: string; imagePath: string } | null> {
    const found = await this.find(key);
    if (!found || found.passwordHash !== null) return null;
    const { share } = found;
    if (share.revoked_at !== null || (share.expires_at !== null && share.expires_at <= this.now())) return null;
    const node = await this.deps.nodes.findById(share.node_id);
    if (!node || node.deleted_at !== null || node.trashed_at !== null) return null;
    const what = share.scope === 'image' ? 'An image' : share.scope === 'branch' ? 'An image and its variations' : 'The making of an image';
    const prompt = share.show_recipe && node.prompt ? node.prompt.slice(0, 120) : null;
    return {
      title: prompt ?? `${what} shared from ImageFlow`,
      description: `${what} shared from ImageFlow${node.provider === 'builtin' ? ' (made by the offline builtin engine, not an AI model)' : ''}.`,
      imagePath: this.deps.urls.sharedFile(key, 'thumbs', node.filename),
    };
  }

  /** Checks a link's password and returns the secret of a cookie that unlocks it for a day. */
  async unlock(key: string, password: string): Promise<{ shareId: string; secret: string; expiresAt: Date }> {
    const found = await this.find(key);
    if (!found) throw new NotFoundError('No such share link.');
    this.check(found.share);
    if (found.passwordHash === null || !(await verifyPassword(password.slice(0, 257), found.passwordHash))) throw new SharePasswordError(true);
    const { secret, hash } = newSecret();
    const expiresAt = new Date(this.deps.clock.now().getTime() + UNLOCK_MS);
    await this.deps.shares.insertUnlock(hash, found.share.id, expiresAt.toISOString());
    return { shareId: found.share.id, secret, expiresAt };
  }

  /** Opens a file reached through a link, if it belongs to what the link shares. */
  async open(key: string, unlock: string | undefined, bucket: Bucket, imageFilename: string): Promise<{ file: StoredFile; share: ShareRecord }> {
    const share = await this.live(key, unlock);
    const node = await this.deps.nodes.findByFilename(imageFilename);
    if (!node || node.deleted_at !== null || node.trashed_at !== null || !(await this.covers(share, node))) throw new NotFoundError('No such file in this share link.');
    return { file: await this.deps.files.open(bucket, bucket === 'images' ? node.filename : thumbnailFilename(node.filename)), share };
  }

  /** The name of the cookie that unlocks a link in a browser (from the key, so no lookup is needed to read it). */
  static unlockCookie(key: string): string {
    return `imageflow_share_${hashSecret(key).slice(0, 16)}`;
  }

  private async covers(share: ShareRecord, node: NodeWithCounts): Promise<boolean> {
    if (node.id === share.node_id) return true;
    if (share.scope === 'image') return false;
    if (share.scope === 'path') return (await this.deps.nodes.ancestorIds(share.node_id)).includes(node.id);
    return node.root_id === (await this.deps.nodes.findById(share.node_id))?.root_id && (await this.deps.nodes.ancestorIds(node.id)).includes(share.node_id);
  }

  private async live(key: string, unlock: string | undefined): Promise<ShareRecord> {
    const found = await this.find(key);
    if (!found) throw new NotFoundError('No such share link.');
    this.check(found.share);
    if (found.passwordHash !== null && !(unlock && (await this.deps.shares.hasUnlock(hashSecret(unlock), found.share.id, this.now())))) {
      throw new SharePasswordError(false);
    }
    return found.share;
  }

  /** The link a key opens; a string that is no key is not looked up. */
  private find(key: string) {
    return KEY.test(key) ? this.deps.shares.findByKeyHash(hashSecret(key)) : Promise.resolve(undefined);
  }

  private check(share: ShareRecord): void {
    if (share.revoked_at !== null) throw new ShareGoneError('revoked');
    if (share.expires_at !== null && share.expires_at <= this.now()) throw new ShareGoneError('expired');
  }

  /**
   * A node as a link shows it: within the shared set only (its root, depths and child counts are the
   * set's, so nothing above or beside it is told), without the owner's stars.
   */
  private sharedNode(key: string, share: ShareRecord, row: NodeWithCounts, root: NodeWithCounts, children: number): ImageNode {
    const node = toImageNode(row, this.deps.urls);
    // A trashed image shows in a shared tree only as the place it held, like a deleted one.
    const live = row.deleted_at === null && row.trashed_at === null;
    const shared: ImageNode = {
      ...node,
      is_root: row.id === root.id,
      parent_id: row.id === root.id ? null : node.parent_id,
      root_id: root.id,
      depth: row.depth - root.depth,
      children_count: children,
      starred: false,
      url: live ? this.deps.urls.sharedFile(key, 'images', row.filename) : null,
      thumbnail_url: live ? this.deps.urls.sharedFile(key, 'thumbs', row.filename) : null,
      image_path: null,
      // The upload as it came may hold what the owner never meant to share (EXIF, a location): not through a link.
      original: null,
      pending_parent_sha256: null,
      trashed_at: null,
      deleted_at: live ? null : (row.deleted_at ?? row.trashed_at),
    };
    if (share.show_recipe) return shared;
    // The engine stays: whether an image came from an AI model or the offline renderer is not the owner's secret.
    return { ...shared, prompt: '', negative_prompt: '', seed: null, model: '', spec_json: {}, request_params: {} };
  }

  private summary(share: ShareRecord): ShareSummary {
    const state = share.revoked_at !== null ? 'revoked' : share.expires_at !== null && share.expires_at <= this.now() ? 'expired' : 'live';
    const { owner_id: _owner, ...rest } = share;
    return { ...rest, state };
  }

  private now(): string {
    return this.deps.clock.now().toISOString();
  }
}
