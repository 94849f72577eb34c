import { useId, useRef, type KeyboardEvent, type ReactNode } from 'react';
import { cn } from '@/lib/cn';

export interface TabItem<V extends string> {
  value: V;
  label: string;
  icon?: ReactNode;
}

/**
 * A segmented control with tab semantics: arrow keys, Home and End move between tabs
 * (roving tabindex). Pair each panel with `tabPanelProps(idBase, value)`.
 */
export function Tabs<V extends string>({
  items,
  value,
  onChange,
  label,
  idBase,
  className,
}: {
  items: readonly TabItem<V>[];
  value: V;
  onChange: (value: V) => void;
  label: string;
  /** Ties tabs to their panels; see tabPanelProps. */
  idBase: string;
  className?: string;
}) {
  const refs = useRef<Array<HTMLButtonElement | null>>([]);
  const move = (e: KeyboardEvent, index: number) => {
    const last = items.length - 1;
    const target =
      e.key === 'ArrowRight' || e.key === 'ArrowDown'
        ? (index + 1) % items.length
        : e.key === 'ArrowLeft' || e.key === 'ArrowUp'
          ? (index - 1 + items.length) % items.length
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? last
              : null;
    if (target === null) return;
    e.preventDefault();
    onChange(items[target]!.value);
    refs.current[target]?.focus();
  };
  return (
    <div role="tablist" aria-label={label} className={cn('inline-flex rounded-lg bg-zinc-100 p-0.5 dark:bg-zinc-800/80', className)}>
      {items.map((item, i) => {
        const selected = item.value === value;
        return (
          <button
            key={item.value}
            ref={(el) => {
              refs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`${idBase}-tab-${item.value}`}
            aria-selected={selected}
            aria-controls={`${idBase}-panel-${item.value}`}
            tabIndex={selected ? 0 : -1}
            onClick={() => onChange(item.value)}
            onKeyDown={(e) => move(e, i)}
            className={cn(
              'inline-flex h-7 items-center gap-1.5 rounded-md px-2.5 text-sm font-medium transition-colors focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-indigo-500',
              selected
                ? 'bg-white text-zinc-900 shadow-sm dark:bg-zinc-950 dark:text-white'
                : 'text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100',
            )}
          >
            {item.icon}
            {item.label}
          </button>
        );
      })}
    </div>
  );
}

export function tabPanelProps(idBase: string, value: string) {
  return { role: 'tabpanel', id: `${idBase}-panel-${value}`, 'aria-labelledby': `${idBase}-tab-${value}`, tabIndex: 0 } as const;
}

/** A stable id base for one Tabs instance. */
export function useTabsId(): string {
  return useId().replace(/:/g, '');
}
