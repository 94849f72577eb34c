import type { ReactNode } from 'react';
import { Textarea } from '@/components/ui/field';
import { Kbd, modKeyLabel } from '@/components/ui/kbd';

/** The prompt, with the prompt history beside its label (its panel opens over the field). */
export function PromptField({ value, error, onChange, history }: { value: string; error?: string; onChange: (value: string) => void; history: ReactNode }) {
  return (
    <div className="space-y-1.5">
      <div className="relative flex items-center justify-between gap-2">
        <label htmlFor="prompt" className="block text-sm font-medium text-zinc-700 dark:text-zinc-300">
          Prompt
        </label>
        {history}
      </div>
      <Textarea
        id="prompt"
        rows={4}
        autoFocus
        placeholder="A lighthouse on a cliff at sunset over the ocean…"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? 'prompt-error' : undefined}
        aria-keyshortcuts="Control+Enter Meta+Enter"
        className="min-h-28 text-[15px] leading-6"
      />
      {error ? (
        <p id="prompt-error" role="alert" className="text-xs text-red-600 dark:text-red-400">
          {error}
        </p>
      ) : (
        <p className="flex items-center justify-between gap-2 text-xs text-zinc-500 dark:text-zinc-400">
          <span>Subjects, style, light, colours.</span>
          <span className="hidden items-center gap-1 sm:inline-flex" aria-hidden>
            <Kbd>{modKeyLabel()}</Kbd>
            <Kbd>Enter</Kbd>
            <span className="ml-0.5">to generate</span>
          </span>
        </p>
      )}
    </div>
  );
}
