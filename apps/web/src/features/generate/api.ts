import { queryOptions, useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { GenerationRequest, ImageNode, Job } from '@imageflow/shared';
import { api } from '@/lib/api-client';
import { generateSession } from './session';

export const modelsQueryOptions = () =>
  queryOptions({ queryKey: ['models'], queryFn: api.models, staleTime: 60_000 });

/** GET /api/models: each model, the provider serving it, and whether it is reachable. */
export function useModels() {
  return useQuery(modelsQueryOptions());
}

export const imageQueryOptions = (id: number) =>
  queryOptions({ queryKey: ['image', id], queryFn: () => api.image(id) });

/** One node (GET /api/images/:id), e.g. the source of a remix or an init image; idle when id is null. */
export function useImageNode(id: number | null) {
  return useQuery({ ...imageQueryOptions(id ?? 0), enabled: id !== null });
}

export const jobQueryKey = (jobId: string) => ['job', jobId] as const;

/**
 * POST /api/generations → 202 with the queued job, cached under ['job', id] and recorded as the
 * newest run of the Create screen's session (so it is followed even if the page re-mounts).
 */
export function useSubmitGeneration() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (request: GenerationRequest) => api.submitGeneration(request),
    onSuccess: (job, request) => {
      queryClient.setQueryData(jobQueryKey(job.id), job);
      generateSession.start(job, request);
      // The queue and the header's count of active jobs.
      void queryClient.invalidateQueries({ queryKey: ['generations'] });
    },
  });
}

/** DELETE /api/generations/:id. */
export function useCancelJob() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (jobId: string) => api.cancelJob(jobId),
    onSuccess: (job) => queryClient.setQueryData(jobQueryKey(job.id), job),
  });
}

/** POST /api/images/upload: the file becomes a new root node, usable as an init image. */
export function useUploadImage() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (file: File) => api.upload(file),
    onSuccess: (node) => {
      queryClient.setQueryData(imageQueryOptions(node.id).queryKey, node);
      void queryClient.invalidateQueries({ queryKey: ['gallery'] });
    },
  });
}

/**
 * What a finished generation changes: the gallery and every lineage view gain nodes, the parent
 * gains children; each new node is cached so its image page opens without a request.
 */
export function applyCompletedJob(queryClient: QueryClient, job: Job): void {
  for (const node of job.images) queryClient.setQueryData<ImageNode>(['image', node.id], node);
  void queryClient.invalidateQueries({ queryKey: ['gallery'] });
  void queryClient.invalidateQueries({ queryKey: ['lineage'] });
  if (job.parent_id !== null) void queryClient.invalidateQueries({ queryKey: ['image', job.parent_id] });
}

/** How many of the newest matching images are read for prompts: enough for a screenful of different ones. */
const PROMPT_SCAN = 60;

/**
 * Prompts of my stored images (GET /api/images, newest first), matching `query` as the gallery
 * search does: each prompt once, with the newest image that used it. Idle while `enabled` is false.
 */
export function usePromptsFromImages(query: string, enabled: boolean) {
  const q = query.trim();
  return useQuery({
    // Not under ['gallery']: those entries are the gallery's paged lists, which its updates assume.
    queryKey: ['image-prompts', q],
    queryFn: () => api.gallery({ limit: PROMPT_SCAN, ...(q ? { q } : {}) }),
    enabled,
    staleTime: 10_000,
    select: (page) => {
      const seen = new Set<string>();
      const out: { prompt: string; negativePrompt: string; node: ImageNode }[] = [];
      for (const node of page.items) {
        const prompt = node.prompt.trim();
        if (!prompt || seen.has(prompt)) continue;
        seen.add(prompt);
        out.push({ prompt, negativePrompt: node.negative_prompt, node });
      }
      return out;
    },
  });
}
