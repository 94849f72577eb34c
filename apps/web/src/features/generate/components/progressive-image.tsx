import { useState } from 'react';
import { cn } from '@/lib/cn';

/**
 * Paints the small thumbnail at once, then fades the full image in over it when it has loaded.
 * The box keeps the image's aspect ratio, so nothing moves while either loads.
 */
export function ProgressiveImage({
  thumbnailUrl,
  url,
  width,
  height,
  alt,
  className,
  fit = 'contain',
}: {
  thumbnailUrl: string | null;
  url: string | null;
  width: number;
  height: number;
  alt: string;
  className?: string;
  fit?: 'contain' | 'cover';
}) {
  const [loaded, setLoaded] = useState(false);
  const objectFit = fit === 'cover' ? 'object-cover' : 'object-contain';
  return (
    <div className={cn('checker relative overflow-hidden bg-zinc-100 dark:bg-zinc-800/60', className)} style={{ aspectRatio: `${width} / ${height}` }}>
      {thumbnailUrl ? (
        <img src={thumbnailUrl} alt="" aria-hidden decoding="async" className={cn('absolute inset-0 h-full w-full', objectFit)} />
      ) : null}
      {url ? (
        <img
          src={url}
          alt={alt}
          width={width}
          height={height}
          decoding="async"
          onLoad={() => setLoaded(true)}
          className={cn('absolute inset-0 h-full w-full transition-opacity duration-500', objectFit, loaded ? 'opacity-100' : 'opacity-0')}
        />
      ) : null}
    </div>
  );
}
