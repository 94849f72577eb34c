import { useMemo, useSyncExternalStore } from 'react';
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { toast } from 'sonner';
import type { GenerationRequest, ImageNode, Job } from '@imageflow/shared';
import { api } from '@/lib/api-client';
import { jobTracker, type TrackedJob } from './job-tracker';

export const imageKey = (id: number) => ['image', id] as const;

export function imageQueryOptions(id: number) {
  return queryOptions({ queryKey: imageKey(id), queryFn: () => api.image(id) });
}

export function useImage(id: number) {
  return useQuery({ ...imageQueryOptions(id), enabled: Number.isInteger(id) && id > 0 });
}

/** Star or unstar at once; the server's answer (or the old value, on failure) follows. */
export function useSetStarred() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, starred }: { id: number; starred: boolean }) => api.setStarred(id, starred),
    onMutate: async ({ id, starred }) => {
      await queryClient.cancelQueries({ queryKey: imageKey(id) });
      const previous = queryClient.getQueryData<ImageNode>(imageKey(id));
      if (previous) queryClient.setQueryData<ImageNode>(imageKey(id), { ...previous, starred });
      return { previous };
    },
    // Rolled back in onSettled: an onError here would replace the app-wide error toast.
    onSettled: (node, error, { id }, context) => {
      if (error && context?.previous) queryClient.setQueryData(imageKey(id), context.previous);
      else if (node) queryClient.setQueryData(imageKey(id), node);
      void queryClient.invalidateQueries({ queryKey: imageKey(id) });
      void queryClient.invalidateQueries({ queryKey: ['gallery'] });
      void queryClient.invalidateQueries({ queryKey: ['lineage'], refetchType: 'none' });
    },
  });
}

export interface DeriveInput {
  request: GenerationRequest;
  /** Names the action in progress rows and toasts: "Variation", "Upscale ×2", ... */
  label: string;
}

/**
 * Queues a derived version (variation, upscale, edit, ...) and follows its job: progress
 * shows on the parent's page, and a toast with "Open" says when it is ready.
 */
export function useDeriveVersion() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return useMutation({
    mutationFn: ({ request }: DeriveInput) => api.submitGeneration(request),
    onSuccess: (job, { label }) => {
      jobTracker.track(job, label, {
        onFinished: (done: Job) => {
          if (done.parent_id !== null) void queryClient.invalidateQueries({ queryKey: imageKey(done.parent_id) });
          void queryClient.invalidateQueries({ queryKey: ['lineage'] });
          void queryClient.invalidateQueries({ queryKey: ['gallery'] });
          const first = done.images[0];
          if (done.status === 'succeeded' && first) {
            for (const node of done.images) queryClient.setQueryData(imageKey(node.id), node);
            toast.success(`${label} ready`, {
              description: `Image #${first.id}`,
              action: { label: 'Open', onClick: () => navigate(`/image/${first.id}`) },
            });
          } else if (done.status === 'failed') {
            toast.error(`${label} failed`, { description: done.error?.message });
          } else if (done.status === 'canceled') {
            toast(`${label} canceled`);
          }
        },
        onLost: () => toast.error(`Lost track of the ${label.toLowerCase()}`, { description: 'The server stopped answering. It may still finish: check the gallery.' }),
      });
    },
  });
}

export function useCancelJob() {
  return useMutation({ mutationFn: (jobId: string) => api.cancelJob(jobId) });
}

/** Jobs being followed whose parent is `parentId`. */
export function useRunningJobs(parentId: number): TrackedJob[] {
  const all = useSyncExternalStore(jobTracker.subscribe, jobTracker.getSnapshot, jobTracker.getSnapshot);
  return useMemo(() => all.filter((t) => t.job.parent_id === parentId), [all, parentId]);
}
