export type ShareScope = 'image' | 'branch' | 'path';

/** A share link; its key is never stored, only the key's hash. */
export interface ShareRecord {
  id: string;
  owner_id: string | null;
  node_id: number;
  scope: ShareScope;
  created_at: string;
  /** Null: never expires. */
  expires_at: string | null;
  has_password: boolean;
  allow_download: boolean;
  show_recipe: boolean;
  revoked_at: string | null;
  view_count: number;
  last_viewed_at: string | null;
}

export interface ShareRepository {
  insert(share: ShareRecord, keyHash: string, passwordHash: string | null): Promise<void>;
  findByKeyHash(keyHash: string): Promise<{ share: ShareRecord; passwordHash: string | null } | undefined>;
  findById(id: string): Promise<ShareRecord | undefined>;
  /** Newest first; every owner's when `ownerId` is undefined. */
  list(ownerId: string | null | undefined): Promise<ShareRecord[]>;
  revoke(id: string, at: string): Promise<void>;
  countView(id: string, at: string): Promise<void>;
  insertUnlock(tokenHash: string, shareId: string, expiresAt: string): Promise<void>;
  /** Whether the unlock is live for that share at `now`. */
  hasUnlock(tokenHash: string, shareId: string, now: string): Promise<boolean>;
}
