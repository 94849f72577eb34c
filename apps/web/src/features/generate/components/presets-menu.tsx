import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { toast } from 'sonner';
import { Bookmark, Check, Pencil, Trash2, X } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { usePopover } from '@/components/ui/popover';
import { cn } from '@/lib/cn';
import { useLocalStore } from '../local-store';
import { MAX_PRESET_NAME, presetNameProblem, presets, presetsStore, type Preset } from '../presets';
import { describeSettings, sameSettings, type SettingsResult } from '../settings';
import { menuPanelClass, triggerClass } from './prompt-history-menu';

const iconButton =
  'inline-flex h-8 w-8 shrink-0 items-center justify-center rounded-md text-zinc-500 hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-100';

const nameInput =
  'h-8 w-full min-w-0 rounded-lg border-0 bg-white px-2.5 text-sm text-zinc-900 ring-1 ring-zinc-300 ring-inset placeholder:text-zinc-400 focus:ring-2 focus:ring-indigo-500 focus:outline-none aria-invalid:ring-red-400 dark:bg-zinc-950 dark:text-zinc-100 dark:ring-zinc-700 dark:aria-invalid:ring-red-700';

/** Enter runs `action` (and never submits the Create form around the menu); Escape runs `cancel` when given. */
function keys(action: () => void, cancel?: () => void) {
  return (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      action();
    } else if (e.key === 'Escape' && cancel) {
      e.preventDefault();
      // Closes the rename only, not the whole menu.
      e.stopPropagation();
      cancel();
    }
  };
}

/**
 * "Presets": named sets of the form's settings (model, size, steps, guidance, sampler, batch
 * size), kept in this browser. Apply one in a click; save the current settings under a name;
 * rename or delete them.
 */
export function PresetsMenu({
  scope,
  current,
  onApply,
  onInvalid,
}: {
  scope: string;
  /** The form's settings now, checked. */
  current: () => SettingsResult;
  onApply: (preset: Preset) => void;
  /** The form's settings can't be saved as they are: show their errors in the form. */
  onInvalid: (result: Extract<SettingsResult, { ok: false }>) => void;
}) {
  const { open, setOpen, panelId, wrapper, trigger } = usePopover();
  const nameId = useId();

  const list = useLocalStore(presetsStore, scope);
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<string | null>(null);
  const firstFocus = useRef<HTMLElement | null>(null);
  const nameRef = useRef<HTMLInputElement | null>(null);

  useEffect(() => {
    if (!open) {
      setName('');
      setProblem(null);
      setRenaming(null);
    } else {
      firstFocus.current?.focus();
    }
  }, [open]);

  const now = open ? current() : null;
  const inUse = now?.ok ? now.settings : null;

  const save = () => {
    const nameProblem = presetNameProblem(list, name);
    if (nameProblem) return setProblem(nameProblem);
    const result = current();
    if (!result.ok) {
      setOpen(false);
      onInvalid(result);
      return;
    }
    presets.save(scope, name, result.settings);
    toast.success(`Preset “${name.trim()}” saved`, { description: describeSettings(result.settings) });
    setName('');
    setProblem(null);
  };

  const remove = (preset: Preset) => {
    const index = list.findIndex((p) => p.id === preset.id);
    presets.remove(scope, preset.id);
    nameRef.current?.focus();
    toast(`Preset “${preset.name}” deleted`, { action: { label: 'Undo', onClick: () => presets.restore(scope, preset, index) } });
  };

  return (
    <div ref={wrapper}>
      <button
        ref={trigger}
        type="button"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        aria-haspopup="dialog"
        onClick={() => setOpen((o) => !o)}
        aria-label={list.length > 0 ? `Presets, ${list.length} saved` : 'Presets'}
        title="Save these settings under a name, or apply saved ones"
        className={triggerClass}
      >
        <Bookmark className="h-3.5 w-3.5" aria-hidden />
        Presets
        {list.length > 0 ? (
          <span aria-hidden className="text-zinc-400 tabular-nums dark:text-zinc-500">
            {list.length}
          </span>
        ) : null}
      </button>
      {open ? (
        <div id={panelId} role="dialog" aria-label="Presets" className={menuPanelClass}>
          <div className="min-h-0 flex-1 overflow-y-auto overscroll-contain p-1.5">
            {list.length === 0 ? (
              <p className="px-2.5 py-4 text-center text-sm text-zinc-500 dark:text-zinc-400">No presets yet. Name the settings below to apply them again in one click.</p>
            ) : (
              <ul aria-label="Saved presets" className="space-y-0.5">
                {list.map((preset, i) =>
                  renaming === preset.id ? (
                    <RenameRow key={preset.id} preset={preset} presets={list} scope={scope} onDone={() => {
                        setRenaming(null);
                        requestAnimationFrame(() => wrapper.current?.querySelector<HTMLElement>(`[data-preset="${preset.id}"]`)?.focus());
                      }}
                    />
                  ) : (
                    <li key={preset.id} className="flex items-center gap-0.5">
                      <button
                        ref={i === 0 ? (el) => void (firstFocus.current = el) : undefined}
                        data-preset={preset.id}
                        type="button"
                        onClick={() => {
                          setOpen(false);
                          onApply(preset);
                        }}
                        aria-label={`Apply preset “${preset.name}”`}
                        aria-describedby={`${panelId}-${preset.id}`}
                        className="min-w-0 flex-1 rounded-lg px-2.5 py-2 text-left hover:bg-zinc-100 focus-visible:bg-zinc-100 focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-indigo-500 dark:hover:bg-zinc-800 dark:focus-visible:bg-zinc-800"
                      >
                        <span className="flex items-center gap-1.5 text-sm font-medium text-zinc-900 dark:text-zinc-100">
                          <span className="truncate">{preset.name}</span>
                          {inUse && sameSettings(inUse, preset.settings) ? (
                            <span className="inline-flex shrink-0 items-center gap-0.5 text-xs font-normal text-emerald-700 dark:text-emerald-400">
                              <Check className="h-3 w-3" aria-hidden />
                              in use
                            </span>
                          ) : null}
                        </span>
                        <span id={`${panelId}-${preset.id}`} className="mt-0.5 block text-xs leading-snug text-zinc-500 dark:text-zinc-400">
                          {describeSettings(preset.settings)}
                        </span>
                      </button>
                      <button type="button" onClick={() => setRenaming(preset.id)} aria-label={`Rename preset “${preset.name}”`} title="Rename" className={iconButton}>
                        <Pencil className="h-3.5 w-3.5" aria-hidden />
                      </button>
                      <button
                        type="button"
                        onClick={() => remove(preset)}
                        aria-label={`Delete preset “${preset.name}”`}
                        title="Delete"
                        className={cn(iconButton, 'hover:text-red-600 dark:hover:text-red-400')}
                      >
                        <Trash2 className="h-3.5 w-3.5" aria-hidden />
                      </button>
                    </li>
                  ),
                )}
              </ul>
            )}
          </div>
          <div className="space-y-1.5 border-t border-zinc-100 p-2.5 dark:border-zinc-800">
            <label htmlFor={nameId} className="block text-xs font-medium text-zinc-600 dark:text-zinc-300">
              Save the current settings as
            </label>
            <div className="flex gap-2">
              <input
                id={nameId}
                ref={(el) => {
                  nameRef.current = el;
                  if (list.length === 0) firstFocus.current = el;
                }}
                value={name}
                maxLength={MAX_PRESET_NAME + 20}
                autoComplete="off"
                placeholder="A name, e.g. Portrait draft"
                onChange={(e) => {
                  setName(e.target.value);
                  setProblem(null);
                }}
                onKeyDown={keys(save)}
                aria-invalid={problem ? true : undefined}
                aria-describedby={problem ? `${nameId}-error` : undefined}
                className={nameInput}
              />
              <Button size="sm" variant="primary" onClick={save}>
                Save
              </Button>
            </div>
            {problem ? (
              <p id={`${nameId}-error`} role="alert" className="text-xs text-red-600 dark:text-red-400">
                {problem}
              </p>
            ) : null}
          </div>
        </div>
      ) : null}
    </div>
  );
}

function RenameRow({ preset, presets: list, scope, onDone }: { preset: Preset; presets: readonly Preset[]; scope: string; onDone: () => void }) {
  const [name, setName] = useState(preset.name);
  const [problem, setProblem] = useState<string | null>(null);
  const id = useId();
  const submit = () => {
    const p = presetNameProblem(list, name, preset.id);
    if (p) return setProblem(p);
    presets.rename(scope, preset.id, name);
    onDone();
  };
  return (
    <li className="space-y-1 rounded-lg bg-zinc-50 p-1.5 dark:bg-zinc-800/60">
      <div className="flex items-center gap-1">
        <input
          autoFocus
          value={name}
          aria-label={`New name for preset “${preset.name}”`}
          maxLength={MAX_PRESET_NAME + 20}
          onChange={(e) => {
            setName(e.target.value);
            setProblem(null);
          }}
          onKeyDown={keys(submit, onDone)}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? id : undefined}
          className={nameInput}
        />
        <button type="button" onClick={submit} aria-label="Save the name" title="Save the name" className={iconButton}>
          <Check className="h-4 w-4" aria-hidden />
        </button>
        <button type="button" onClick={onDone} aria-label="Keep the old name" title="Cancel" className={iconButton}>
          <X className="h-4 w-4" aria-hidden />
        </button>
      </div>
      {problem ? (
        <p id={id} role="alert" className="px-1 text-xs text-red-600 dark:text-red-400">
          {problem}
        </p>
      ) : null}
    </li>
  );
}
