import type { Role } from '../ports/account.repository.port.ts';

/** Who makes a request. */
export interface Actor {
  /** The signed-in user; null in single-user mode. */
  id: string | null;
  role: Role;
}

/** Single-user mode (accounts off, a laptop): one person, who sees and may change everything. */
export const LOCAL_ACTOR: Actor = Object.freeze({ id: null, role: 'admin' });

/** Signed out (accounts on): owns nothing, so sees nothing that has an owner. */
export const NOBODY: Actor = Object.freeze({ id: '', role: 'user' });

/**
 * Whether `actor` may see and change what `ownerId` owns: their own, or anything for an admin.
 * Callers answer 404 otherwise, exactly as for an id that does not exist.
 */
export function mayAccess(actor: Actor, ownerId: string | null): boolean {
  return actor.role === 'admin' || (actor.id !== null && ownerId === actor.id);
}

/** The owner filter of a listing: none for an admin, else the actor's own. */
export function ownerScope(actor: Actor): string | undefined {
  return actor.role === 'admin' ? undefined : (actor.id ?? undefined);
}
