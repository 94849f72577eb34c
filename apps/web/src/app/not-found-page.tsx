import { Link } from 'react-router';
import { EmptyState } from '@/components/ui/empty-state';

export function NotFoundPage() {
  return (
    <EmptyState title="Nothing here" action={<Link className="text-indigo-600 underline dark:text-indigo-400" to="/">Create an image</Link>}>
      This page does not exist. It may have been a link to an image that was deleted.
    </EmptyState>
  );
}
