import { useCallback, useState } from 'react';
import { toast } from 'sonner';
import type { ImageNode } from '@imageflow/shared';
import { absoluteUrl } from '@/lib/api-client';
import { copyText } from './clipboard';

export interface ShareLink {
  /** The full, shareable URL of the PNG, or null for a deleted image. */
  url: string | null;
  /** Copies the URL and confirms with a toast; opens the fallback when copying is not possible. */
  share: () => Promise<void>;
  /** True while the fallback (a selectable field holding the URL) should be shown. */
  fallbackOpen: boolean;
  closeFallback: () => void;
}

export function useShareLink(node: Pick<ImageNode, 'url'> | null | undefined): ShareLink {
  const [fallbackOpen, setFallbackOpen] = useState(false);
  const url = node?.url ? absoluteUrl(node.url) : null;
  const share = useCallback(async () => {
    if (!url) return;
    if (await copyText(url)) {
      setFallbackOpen(false);
      toast.success('Link copied', { description: url });
    } else {
      setFallbackOpen(true);
    }
  }, [url]);
  const closeFallback = useCallback(() => setFallbackOpen(false), []);
  return { url, share, fallbackOpen, closeFallback };
}
