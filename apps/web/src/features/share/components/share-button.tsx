import { useState } from 'react';
import { Share2 } from 'lucide-react';
import { Button, type ButtonProps } from '@/components/ui/button';
import { cn } from '@/lib/cn';
import { ShareDialog, type ShareableNode } from './share-dialog';

export interface ShareButtonProps {
  node: ShareableNode;
  /** The accessible name, when it should say more than the visible "Share" (e.g. which image). */
  ariaLabel?: string;
  /** Only the icon shows below `sm` (the label stays for screen readers). */
  compact?: boolean;
  variant?: ButtonProps['variant'];
  size?: ButtonProps['size'];
  className?: string;
}

/** "Share": opens the share dialog, which makes a link to this image, its branch or its path. */
export function ShareButton({ node, ariaLabel, compact = false, variant = 'secondary', size = 'sm', className }: ShareButtonProps) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button
        variant={variant}
        size={size}
        className={className}
        onClick={() => setOpen(true)}
        aria-label={ariaLabel}
        aria-haspopup="dialog"
        title="Make a link to this image, its branch or its path"
      >
        <Share2 className="h-4 w-4" aria-hidden />
        <span className={cn(compact && 'sr-only sm:not-sr-only')}>Share</span>
      </Button>
      <ShareDialog node={node} open={open} onClose={() => setOpen(false)} />
    </>
  );
}
