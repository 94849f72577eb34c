import { localStore } from './local-store';
import { parseSettings, type CreateSettings } from './settings';

/** A named set of Create settings, kept in this browser. */
export interface Preset {
  id: string;
  name: string;
  settings: CreateSettings;
}

export const MAX_PRESET_NAME = 60;
export const MAX_PRESETS = 100;

function parsePresets(raw: unknown): readonly Preset[] {
  if (!Array.isArray(raw)) return [];
  const out: Preset[] = [];
  for (const item of raw) {
    if (typeof item !== 'object' || item === null) continue;
    const { id, name, settings } = item as Record<string, unknown>;
    const parsed = parseSettings(settings);
    if (typeof id !== 'string' || typeof name !== 'string' || !name.trim() || !parsed) continue;
    out.push({ id, name: name.slice(0, MAX_PRESET_NAME), settings: parsed });
  }
  return out;
}

export const presetsStore = localStore('presets', parsePresets);

const sameName = (a: string, b: string) => a.trim().toLocaleLowerCase() === b.trim().toLocaleLowerCase();

/** Why a name can't be used, or null: names are required, short, and unique (ignoring case) but for `exceptId`. */
export function presetNameProblem(presets: readonly Preset[], name: string, exceptId?: string): string | null {
  const trimmed = name.trim();
  if (!trimmed) return 'Give the preset a name.';
  if (trimmed.length > MAX_PRESET_NAME) return `Keep the name to ${MAX_PRESET_NAME} characters (it has ${trimmed.length}).`;
  if (presets.some((p) => p.id !== exceptId && sameName(p.name, trimmed))) return `A preset is already called “${trimmed}”.`;
  return null;
}

function newId(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

export const presets = {
  /** Adds a preset first in the list; the name must have passed presetNameProblem. */
  save(scope: string, name: string, settings: CreateSettings): Preset {
    const preset: Preset = { id: newId(), name: name.trim(), settings };
    presetsStore.update(scope, (list) => [preset, ...list].slice(0, MAX_PRESETS));
    return preset;
  },
  rename(scope: string, id: string, name: string): void {
    presetsStore.update(scope, (list) => list.map((p) => (p.id === id ? { ...p, name: name.trim() } : p)));
  },
  remove(scope: string, id: string): void {
    presetsStore.update(scope, (list) => list.filter((p) => p.id !== id));
  },
  /** Puts a removed preset back where it was (Undo). */
  restore(scope: string, preset: Preset, index: number): void {
    presetsStore.update(scope, (list) => {
      if (list.some((p) => p.id === preset.id)) return list;
      const next = [...list];
      next.splice(Math.min(index, next.length), 0, preset);
      return next;
    });
  },
};
