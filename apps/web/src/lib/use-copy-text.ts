import { useEffect, useRef, useState, type RefObject } from 'react';
import { copyText } from '@/features/share/clipboard';

export interface CopyTextState {
  /** The field holding the text: focused and selected when the browser blocks copying. */
  field: RefObject<HTMLInputElement | null>;
  /** True for 2 s after a successful copy. */
  copied: boolean;
  /** True once the browser refused the clipboard, until a copy succeeds. */
  blocked: boolean;
  /** Copies `text`; resolves whether it was copied. */
  copy: (text: string) => Promise<boolean>;
}

/**
 * Copying a value shown in a read-only field: "Copied" for a moment on success; when the
 * browser blocks the clipboard, the field is focused and selected for copying by hand.
 */
export function useCopyText(): CopyTextState {
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState(false);
  const [blocked, setBlocked] = useState(false);

  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(timer);
  }, [copied]);

  const copy = async (text: string) => {
    if (await copyText(text)) {
      setCopied(true);
      setBlocked(false);
      return true;
    }
    setBlocked(true);
    field.current?.focus();
    field.current?.select();
    return false;
  };

  return { field, copied, blocked, copy };
}
