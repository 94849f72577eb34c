import { useEffect, useId, useRef } from 'react';
import { Link2, X } from 'lucide-react';
import type { ImageNode } from '@imageflow/shared';
import { Button, type ButtonProps } from '@/components/ui/button';
import { inputClass } from '@/components/ui/field';
import { cn } from '@/lib/cn';
import { useShareLink } from '../use-share-link';

export interface ShareButtonProps {
  node: Pick<ImageNode, 'url'> | null | undefined;
  /** Icon only (the accessible name stays "Share link"). */
  iconOnly?: boolean;
  variant?: ButtonProps['variant'];
  size?: ButtonProps['size'];
  className?: string;
}

/**
 * "Share link": copies the image's full URL and confirms with a toast. Where the clipboard
 * is unavailable or denied, a popover shows the link in a selected field to copy by hand.
 */
export function ShareButton({ node, iconOnly = false, variant = 'secondary', size = 'sm', className }: ShareButtonProps) {
  const { url, share, fallbackOpen, closeFallback } = useShareLink(node);
  const popoverId = useId();
  const fieldId = useId();
  const wrapper = useRef<HTMLSpanElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const trigger = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!fallbackOpen) return;
    input.current?.focus();
    input.current?.select();
    const onPointer = (e: PointerEvent) => {
      if (wrapper.current && !wrapper.current.contains(e.target as Node)) closeFallback();
    };
    document.addEventListener('pointerdown', onPointer);
    return () => document.removeEventListener('pointerdown', onPointer);
  }, [fallbackOpen, closeFallback]);

  const close = () => {
    closeFallback();
    trigger.current?.focus();
  };

  return (
    <span ref={wrapper} className="relative inline-flex">
      <Button
        ref={trigger}
        variant={variant}
        size={iconOnly ? 'icon' : size}
        className={className}
        onClick={() => void share()}
        disabled={!url}
        aria-label={iconOnly ? 'Share link' : undefined}
        aria-expanded={fallbackOpen || undefined}
        aria-controls={fallbackOpen ? popoverId : undefined}
        title={url ? 'Copy the link to this image' : 'A deleted image has no link'}
      >
        <Link2 className="h-4 w-4" aria-hidden />
        {iconOnly ? null : 'Share link'}
      </Button>
      {fallbackOpen && url ? (
        <div
          id={popoverId}
          role="dialog"
          aria-label="Copy the image link"
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.stopPropagation();
              close();
            }
          }}
          className={cn(
            'absolute right-0 top-full z-40 mt-2 w-[min(22rem,calc(100vw-2rem))] rounded-xl border border-zinc-200 bg-white p-3 shadow-xl',
            'dark:border-zinc-700 dark:bg-zinc-900',
          )}
        >
          <div className="mb-2 flex items-center justify-between gap-2">
            <label htmlFor={fieldId} className="text-sm font-medium">
              Image link
            </label>
            <button
              type="button"
              onClick={close}
              aria-label="Close"
              className="rounded-md p-1 text-zinc-500 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:hover:bg-zinc-800"
            >
              <X className="h-4 w-4" aria-hidden />
            </button>
          </div>
          <input
            ref={input}
            id={fieldId}
            readOnly
            value={url}
            onFocus={(e) => e.currentTarget.select()}
            className={cn(inputClass, 'font-mono text-xs')}
          />
          <p className="mt-2 text-xs text-zinc-500 dark:text-zinc-400">Copying was blocked by the browser. The link is selected: press Ctrl+C (⌘C) to copy it.</p>
        </div>
      ) : null}
    </span>
  );
}
