import { Link } from 'react-router';
import { AlertTriangle, ImageOff, RotateCw } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { EmptyState } from '@/components/ui/empty-state';
import { ApiError } from '@/lib/api-client';

/** True for the API's 404: the image does not exist. */
export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}

export function ImageNotFound({ id }: { id: string | number | undefined }) {
  const valid = id !== undefined && /^\d+$/.test(String(id)) && Number(id) > 0;
  return (
    <EmptyState
      icon={<ImageOff className="h-10 w-10" aria-hidden />}
      title={valid ? `No image #${id}` : 'Not an image id'}
      action={
        <Link to="/gallery" className="text-sm font-medium text-indigo-600 hover:underline dark:text-indigo-400">
          Browse the gallery
        </Link>
      }
    >
      {valid
        ? 'There is no image with this id. The link may be mistyped, or the image belongs to another ImageFlow.'
        : `"${id}" is not an image id: ids are whole numbers like /image/12.`}
    </EmptyState>
  );
}

/** A failed load, in the server's words, with a way to try again. */
export function LoadError({ error, onRetry, what = 'this image' }: { error: unknown; onRetry: () => void; what?: string }) {
  const message = error instanceof Error ? error.message : 'Something went wrong.';
  return (
    <EmptyState
      icon={<AlertTriangle className="h-10 w-10 text-amber-500" aria-hidden />}
      title={`Could not load ${what}`}
      action={
        <Button onClick={onRetry}>
          <RotateCw className="h-4 w-4" aria-hidden />
          Retry
        </Button>
      }
    >
      <p role="alert">{message}</p>
    </EmptyState>
  );
}
