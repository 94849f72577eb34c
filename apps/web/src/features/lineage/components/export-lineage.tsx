import { useId, useLayoutEffect, useState, type CSSProperties } from 'react';
import { Download, PackageOpen } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { popoverPanelClass, usePopover } from '@/components/ui/popover';
import { api, type BundleScope } from '@/lib/api-client';
import { cn } from '@/lib/cn';

export const BUNDLE_SCOPE_CHOICES: ReadonlyArray<{ value: BundleScope; label: string; hint: string }> = [
  { value: 'branch', label: 'This image and everything made from it', hint: 'Its branch of the tree' },
  { value: 'tree', label: 'The whole tree', hint: 'From the first image, every branch' },
  { value: 'path', label: 'The path down to this image', hint: 'From the first image to this one, nothing else' },
];

/** A download link styled as a primary button. */
export const downloadLinkClass =
  'inline-flex h-9 items-center justify-center gap-2 rounded-lg bg-indigo-600 px-3 text-sm font-medium text-white shadow-sm hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500';

/**
 * "Export lineage (.zip)": a bundle another ImageFlow can import, with every file and recipe. The
 * part of the tree is chosen here (this image's branch unless said otherwise); the download is a
 * plain link, saved by the browser.
 */
export function ExportLineageButton({ nodeId }: { nodeId: number }) {
  const { open, setOpen, close, panelId, wrapper, trigger } = usePopover();
  const [scope, setScope] = useState<BundleScope>('branch');
  const name = useId();
  // Under the button, moved left as far as needed to stay on screen (the button may be anywhere in a wrapping row).
  const [place, setPlace] = useState<CSSProperties>({});
  useLayoutEffect(() => {
    if (!open || !wrapper.current) return;
    const margin = 16;
    const left = wrapper.current.getBoundingClientRect().left;
    const width = Math.min(320, window.innerWidth - 2 * margin);
    const shift = Math.max(margin - left, Math.min(0, window.innerWidth - margin - (left + width)));
    setPlace({ left: shift, width });
  }, [open]);
  return (
    <div ref={wrapper} className="relative">
      <Button
        ref={trigger}
        size="sm"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        onClick={() => setOpen((o) => !o)}
        title="A .zip of images and recipes that another ImageFlow can import"
      >
        <PackageOpen className="h-4 w-4" aria-hidden />
        Export lineage (.zip)
      </Button>
      {open ? (
        <div id={panelId} role="group" aria-label="Export lineage" style={place} className={cn(popoverPanelClass, 'right-auto left-0 w-80 space-y-2 p-3')}>
          <fieldset className="space-y-1">
            <legend className="mb-1.5 text-sm font-medium text-zinc-900 dark:text-zinc-100">What to export</legend>
            {BUNDLE_SCOPE_CHOICES.map((choice) => (
              <label
                key={choice.value}
                className={cn(
                  'flex cursor-pointer items-start gap-2.5 rounded-lg px-2 py-1.5 hover:bg-zinc-50 dark:hover:bg-zinc-800',
                  scope === choice.value && 'bg-indigo-50 dark:bg-indigo-950/50',
                )}
              >
                <input
                  type="radio"
                  name={name}
                  value={choice.value}
                  checked={scope === choice.value}
                  onChange={() => setScope(choice.value)}
                  className="mt-0.5 accent-indigo-600"
                />
                <span className="min-w-0">
                  <span className="block text-sm text-zinc-800 dark:text-zinc-100">{choice.label}</span>
                  <span className="block text-xs text-zinc-500 dark:text-zinc-400">{choice.hint}</span>
                </span>
              </label>
            ))}
          </fieldset>
          <a href={api.bundleUrl(nodeId, scope)} download onClick={close} className={cn(downloadLinkClass, 'w-full')}>
            <Download className="h-4 w-4" aria-hidden />
            Download .zip
          </a>
          <p className="text-xs text-zinc-500 dark:text-zinc-400">Images, originals and recipes. Import it on the Import page of any ImageFlow.</p>
        </div>
      ) : null}
    </div>
  );
}
