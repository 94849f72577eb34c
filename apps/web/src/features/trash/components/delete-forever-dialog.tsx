import { toast } from 'sonner';
import { LoaderCircle, Trash2 } from 'lucide-react';
import type { ImageNode } from '@imageflow/shared';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { useDeleteForever } from '../api';
import { isTrashed } from '../state';

/** The red, filled button of an irreversible action. */
export const destructiveButton = 'bg-red-600! text-white! ring-0! hover:bg-red-500! disabled:bg-red-600/50! dark:bg-red-600! dark:hover:bg-red-500!';

/** "Delete forever", confirmed: the files go now, and nothing brings them back. */
export function DeleteForeverDialog({ node, onClose }: { node: ImageNode | null; onClose: () => void }) {
  const remove = useDeleteForever();
  const branches = node?.children_count ?? 0;
  return (
    <Dialog
      open={node !== null}
      onClose={onClose}
      title={node ? `Delete image #${node.id} forever?` : 'Delete forever?'}
      description={
        <>
          <strong className="font-semibold text-zinc-900 dark:text-zinc-100">This cannot be undone.</strong> The PNG and its thumbnail are removed now and its
          link stops working. Its recipe and its place in the lineage stay, as a tombstone
          {branches > 0 ? `; its ${branches} ${branches === 1 ? 'branch stays' : 'branches stay'} too` : ''}.
          {node && !isTrashed(node) ? ' To keep a way back, move it to the trash instead.' : ''}
        </>
      }
      footer={
        <>
          <Button onClick={onClose} autoFocus>
            Cancel
          </Button>
          <Button
            variant="primary"
            className={destructiveButton}
            disabled={remove.isPending}
            onClick={() => {
              if (!node) return;
              // A promise, not mutate's callbacks: the page may stop showing this dialog's owner the
              // moment the image becomes a tombstone, and the toast must still say it is done.
              remove.mutateAsync(node.id).then(
                () => {
                  onClose();
                  toast.success(`Image #${node.id} deleted forever`, { description: 'Its recipe stays in the lineage.' });
                },
                () => {}, // said by the app-wide error toast
              );
            }}
          >
            {remove.isPending ? <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden /> : <Trash2 className="h-4 w-4" aria-hidden />}
            Delete forever
          </Button>
        </>
      }
    />
  );
}
