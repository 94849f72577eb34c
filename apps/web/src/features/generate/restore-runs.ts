import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import { jobQueryKey } from './api';
import { generateSession } from './session';

/** How many of the newest jobs a reload brings back: as many as the tab keeps. */
export const RESTORED_RUNS = 20;

/**
 * On a reload (or the first visit) the tab has no runs: the newest jobs the server kept (GET
 * /api/generations) become the Create screen's results, with their images; a job still queued or
 * running is followed live again from where it is.
 */
export function useRestoredRuns(): void {
  const queryClient = useQueryClient();
  const [wanted] = useState(() => generateSession.wantsRestore());
  useQuery({
    queryKey: ['restored-runs'],
    queryFn: async () => {
      const page = await api.jobs({ limit: RESTORED_RUNS });
      // Each job's latest state is known: the live view starts from it, and a finished one is not followed.
      for (const job of page.items) queryClient.setQueryData(jobQueryKey(job.id), (old: unknown) => old ?? job);
      generateSession.restore(page.items);
      return page;
    },
    enabled: wanted,
    staleTime: Infinity,
    gcTime: 0,
    retry: false,
  });
}
