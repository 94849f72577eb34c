import { useEffect } from 'react';
import { Check, Copy } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { inputClass } from '@/components/ui/field';
import { cn } from '@/lib/cn';
import { useCopyText } from '@/lib/use-copy-text';

export interface SecretFieldProps {
  /** The text shown once and copied. */
  value: string;
  /** The read-only input's accessible name, e.g. "Share link". */
  inputLabel: string;
  /** The Copy button's accessible name, e.g. "Copy link" ("Copied" for a moment after copying). */
  copyLabel: string;
  /** What the value is, in the blocked message: "The {noun} is selected". */
  noun: string;
  /** Called after a successful copy, e.g. to show a toast. */
  onCopied?: () => void;
}

/**
 * A value shown once (a new link or token): a read-only field, selected on arrival, with a Copy
 * button; when the browser blocks the clipboard, the field is selected for copying by hand.
 */
export function SecretField({ value, inputLabel, copyLabel, noun, onCopied }: SecretFieldProps) {
  const { field, copied, blocked, copy } = useCopyText();

  useEffect(() => {
    field.current?.focus();
    field.current?.select();
  }, [field, value]);

  const onCopy = async () => {
    if (await copy(value)) onCopied?.();
  };

  return (
    <>
      <div className="mt-3 flex gap-2">
        <input
          ref={field}
          readOnly
          aria-label={inputLabel}
          value={value}
          onFocus={(e) => e.currentTarget.select()}
          className={cn(inputClass, 'min-w-0 font-mono text-xs')}
        />
        <Button onClick={() => void onCopy()} aria-label={copied ? 'Copied' : copyLabel}>
          {copied ? <Check className="h-4 w-4 text-emerald-600" aria-hidden /> : <Copy className="h-4 w-4" aria-hidden />}
          <span className="hidden sm:inline">{copied ? 'Copied' : 'Copy'}</span>
        </Button>
      </div>
      {blocked ? (
        <p role="alert" className="mt-2 text-xs text-emerald-900 dark:text-emerald-200">
          {`Copying was blocked by the browser. The ${noun} is selected: press Ctrl+C (⌘C) to copy it.`}
        </p>
      ) : null}
    </>
  );
}
