import { Dices, Lock, LockOpen } from 'lucide-react';
import { Input } from '@/components/ui/field';
import { Toggle } from '@/components/ui/toggle';
import { cn } from '@/lib/cn';

/**
 * The seed, with a lock: locked, every run uses this seed; unlocked, each run draws a new one and
 * shows it here, so a result you like can be locked and repeated.
 */
export function SeedField({
  value,
  locked,
  onChange,
  onLockedChange,
  onRandomise,
  error,
}: {
  value: string;
  locked: boolean;
  onChange: (v: string) => void;
  onLockedChange: (locked: boolean) => void;
  onRandomise: () => void;
  error?: string;
}) {
  const hint = locked ? 'Locked: every run uses this seed.' : value ? 'Last run’s seed. Each run draws a new one.' : 'A new random seed for each run.';
  return (
    <div className="space-y-1.5">
      <label htmlFor="seed" className="block text-sm font-medium text-zinc-700 dark:text-zinc-300">
        Seed
      </label>
      <div className="flex gap-2">
        <Input
          id="seed"
          inputMode="numeric"
          autoComplete="off"
          placeholder="Random"
          value={value}
          onChange={(e) => onChange(e.target.value.replace(/[^\d]/g, ''))}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'seed-error' : 'seed-hint'}
          className={cn('font-mono tabular-nums', !locked && value && 'text-zinc-500 dark:text-zinc-400')}
        />
        <Toggle
          size="icon"
          pressed={locked}
          onPressedChange={onLockedChange}
          aria-label="Lock"
          aria-describedby="seed-hint"
          title={locked ? 'Unlock: draw a new seed for each run' : 'Lock: reuse this seed for every run'}
        >
          {locked ? <Lock className="h-4 w-4" aria-hidden /> : <LockOpen className="h-4 w-4" aria-hidden />}
        </Toggle>
        <button
          type="button"
          onClick={onRandomise}
          aria-label="Randomise"
          title="Draw a new random seed and lock it"
          className="inline-flex h-9 w-9 shrink-0 items-center justify-center rounded-lg bg-white text-zinc-700 ring-1 ring-inset ring-zinc-300 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 dark:bg-zinc-900 dark:text-zinc-300 dark:ring-zinc-700 dark:hover:bg-zinc-800"
        >
          <Dices className="h-4 w-4" aria-hidden />
        </button>
      </div>
      {error ? (
        <p id="seed-error" role="alert" className="text-xs text-red-600 dark:text-red-400">
          {error}
        </p>
      ) : (
        <p id="seed-hint" className="text-xs text-zinc-500 dark:text-zinc-400">
          {hint}
        </p>
      )}
    </div>
  );
}
