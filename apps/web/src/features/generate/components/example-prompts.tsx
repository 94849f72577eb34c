import { Sparkles } from 'lucide-react';

export const EXAMPLE_PROMPTS = [
  'a lighthouse on a cliff at sunset over the ocean',
  'neon city at night, rain',
  'misty pine forest mountains at dawn',
  'a red flower in a field',
] as const;

/** The result area before the first run: what to do, and prompts to start from. */
export function ExamplePrompts({ onPick, builtinOnly }: { onPick: (prompt: string) => void; builtinOnly: boolean }) {
  return (
    <div className="relative overflow-hidden rounded-2xl border border-dashed border-zinc-300 bg-gradient-to-b from-zinc-50 to-white px-6 py-14 text-center sm:px-10 sm:py-20 dark:border-zinc-700 dark:from-zinc-900/60 dark:to-zinc-950">
      <div
        aria-hidden
        className="pointer-events-none absolute -top-24 left-1/2 h-56 w-[36rem] -translate-x-1/2 rounded-full bg-gradient-to-r from-indigo-400/20 via-violet-400/20 to-sky-400/20 blur-3xl dark:from-indigo-500/15 dark:via-violet-500/15 dark:to-sky-500/10"
      />
      <div className="relative mx-auto flex max-w-lg flex-col items-center">
        <div className="mb-5 flex h-12 w-12 items-center justify-center rounded-2xl bg-white shadow-sm ring-1 ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800">
          <Sparkles className="h-5 w-5 text-indigo-500" aria-hidden />
        </div>
        <h2 className="text-xl font-semibold tracking-tight text-zinc-900 dark:text-zinc-50">What will you create?</h2>
        <p className="mt-2 text-sm leading-6 text-zinc-600 dark:text-zinc-400">
          Describe a scene and press Generate. Every image becomes a version you can branch, remix and compare. Start from one of these:
        </p>
        <ul className="mt-6 flex flex-wrap justify-center gap-2" aria-label="Example prompts">
          {EXAMPLE_PROMPTS.map((p) => (
            <li key={p}>
              <button
                type="button"
                onClick={() => onPick(p)}
                className="rounded-full bg-white px-3.5 py-1.5 text-left text-sm text-zinc-700 shadow-sm ring-1 ring-zinc-200 transition hover:-translate-y-px hover:text-zinc-900 hover:ring-indigo-300 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 dark:bg-zinc-900 dark:text-zinc-300 dark:ring-zinc-700 dark:hover:text-white dark:hover:ring-indigo-700"
              >
                {p}
              </button>
            </li>
          ))}
        </ul>
        {builtinOnly ? (
          <p className="mt-8 max-w-md text-xs leading-5 text-zinc-500 dark:text-zinc-500">
            The builtin engine draws these motifs from the words of your prompt. It is an offline procedural renderer, not AI —
            connect an SDXL or FLUX backend for real generations.
          </p>
        ) : null}
      </div>
    </div>
  );
}
