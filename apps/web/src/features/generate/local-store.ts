import { useCallback, useSyncExternalStore } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { Me } from '@/lib/api-client';
import { meKey } from '@/features/auth/api';

/**
 * A value kept in this browser's localStorage, per person: with accounts on, each user of the
 * browser has their own (`scope` is the user id); in single-user mode the scope is "local".
 * A value that can't be read back (hand-edited, from an older version) reads as what `parse`
 * makes of it, and a browser that refuses storage (private mode, full) just keeps nothing.
 */
export interface LocalStore<T> {
  get(scope: string): T;
  set(scope: string, value: T): void;
  update(scope: string, change: (value: T) => T): void;
  subscribe(listener: () => void): () => void;
}

const PREFIX = 'imageflow.create';

export function localStore<T>(name: string, parse: (raw: unknown) => T): LocalStore<T> {
  const listeners = new Set<() => void>();
  // The last text read per key and what it parsed to, so an unchanged value keeps its identity.
  const cache = new Map<string, { text: string | null; value: T }>();
  const keyOf = (scope: string) => `${PREFIX}.${name}.${scope}`;

  const read = (key: string): string | null => {
    try {
      return globalThis.localStorage?.getItem(key) ?? null;
    } catch {
      return null;
    }
  };
  const decode = (text: string | null): T => {
    if (text === null) return parse(undefined);
    try {
      return parse(JSON.parse(text));
    } catch {
      return parse(undefined);
    }
  };
  const emit = () => {
    for (const l of listeners) l();
  };
  const onStorage = (e: StorageEvent) => {
    if (e.key === null || e.key.startsWith(`${PREFIX}.${name}.`)) emit();
  };

  const store: LocalStore<T> = {
    get(scope) {
      const key = keyOf(scope);
      const text = read(key);
      const hit = cache.get(key);
      if (hit && hit.text === text) return hit.value;
      const value = decode(text);
      cache.set(key, { text, value });
      return value;
    },
    set(scope, value) {
      const key = keyOf(scope);
      const text = JSON.stringify(value);
      try {
        globalThis.localStorage?.setItem(key, text);
        cache.set(key, { text, value });
      } catch {
        // Storage refused (full, or turned off): this tab still sees the value until it reloads.
        cache.set(key, { text: read(key), value });
      }
      emit();
    },
    update(scope, change) {
      store.set(scope, change(store.get(scope)));
    },
    subscribe(listener) {
      listeners.add(listener);
      if (listeners.size === 1) globalThis.addEventListener?.('storage', onStorage);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) globalThis.removeEventListener?.('storage', onStorage);
      };
    },
  };
  return store;
}

/** Whose values these are: the signed-in user's id, or "local" in single-user mode. */
export function useStorageScope(): string {
  // Read from the cache: the sign-in gate has loaded it before any screen shows, and a change of
  // person (signing out, in) replaces the screen.
  return useQueryClient().getQueryData<Me>(meKey)?.user?.id ?? 'local';
}

/** The value of `store` for `scope`, following changes from this tab and others. */
export function useLocalStore<T>(store: LocalStore<T>, scope: string): T {
  const get = useCallback(() => store.get(scope), [store, scope]);
  return useSyncExternalStore(store.subscribe, get, get);
}
