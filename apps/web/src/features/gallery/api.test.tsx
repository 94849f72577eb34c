import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, renderHook, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { toast } from 'sonner';
import type { ImageNode } from '@imageflow/shared';
import { MAX_BULK_IMAGES } from '@imageflow/shared/constants';
import { api, ApiError } from '@/lib/api-client';
import { bulkInParts, useBulkStar, useBulkTrash, type GalleryData } from './api';

vi.mock('sonner', () => ({ toast: Object.assign(vi.fn(), { success: vi.fn(), error: vi.fn() }), Toaster: () => null }));
vi.mock('@/lib/api-client', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/lib/api-client')>();
  return { ...actual, api: { bulkImages: vi.fn() } };
});
const bulkImages = api.bulkImages as unknown as ReturnType<typeof vi.fn>;
const toastSuccess = toast.success as unknown as ReturnType<typeof vi.fn>;
const toastError = toast.error as unknown as ReturnType<typeof vi.fn>;

afterEach(() => vi.clearAllMocks());

function node(id: number, overrides: Partial<ImageNode> = {}): ImageNode {
  return {
    id, is_root: true, parent_id: null, root_id: id, depth: 0, prompt: `p${id}`, negative_prompt: '', model: 'sdxl', provider: 'builtin', seed: id,
    spec_json: {}, request_params: {}, action_type: 'generate', image_path: null, filename: `sdxl_${id}.png`, url: `/images/sdxl_${id}.png`,
    thumbnail_url: null, width: 64, height: 64, bytes: 1, sha256: 'x', starred: false, deleted_at: null, trashed_at: null,
    created_at: '2026-01-01T00:00:00.000Z', children_count: 0, original: null, pending_parent_sha256: null, ...overrides,
  };
}

/** The server as the bulk route answers: each id as it is after the action. */
function answerAll() {
  bulkImages.mockImplementation(async (ids: number[], action: string) => ({
    items: ids.map((id) => node(id, action === 'trash' ? { trashed_at: '2026-01-02T00:00:00.000Z' } : { starred: action === 'star' })),
  }));
}

function setup(items: ImageNode[]) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const data: GalleryData = { pages: [{ items, next_cursor: null }], pageParams: [undefined] };
  client.setQueryData(['gallery', { limit: 120 }], data);
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
  const shown = () => client.getQueryData<GalleryData>(['gallery', { limit: 120 }])!.pages[0]!.items;
  return { client, wrapper, shown };
}

describe('bulkInParts', () => {
  it('sends each id once, in one request up to the limit and in parts past it', async () => {
    answerAll();
    const ids = Array.from({ length: MAX_BULK_IMAGES * 2 + 1 }, (_, i) => i + 1);
    const result = await bulkInParts([...ids, 1, 2], 'star');
    expect(bulkImages.mock.calls.map(([part, action]) => [(part as number[]).length, (part as number[])[0], action])).toEqual([
      [MAX_BULK_IMAGES, 1, 'star'],
      [MAX_BULK_IMAGES, MAX_BULK_IMAGES + 1, 'star'],
      [1, MAX_BULK_IMAGES * 2 + 1, 'star'],
    ]);
    expect(result.done.map((n) => n.id)).toEqual(ids);
    expect(result.failed).toBeNull();

    bulkImages.mockClear();
    await bulkInParts([7, 3, 7], 'trash');
    expect(bulkImages.mock.calls).toEqual([[[7, 3], 'trash']]);
  });

  it('stops at a part the server refuses: that part and the rest are said as left unchanged', async () => {
    const refusal = new ApiError(404, 'not_found', 'No image with id 777; nothing was changed. Leave it out of ids.');
    answerAll();
    bulkImages.mockImplementationOnce(async (ids: number[]) => ({ items: ids.map((id) => node(id, { starred: true })) })).mockRejectedValueOnce(refusal);
    const ids = Array.from({ length: MAX_BULK_IMAGES * 2 + 5 }, (_, i) => i + 1);
    const result = await bulkInParts(ids, 'star');
    expect(bulkImages).toHaveBeenCalledTimes(2);
    expect(result.done).toHaveLength(MAX_BULK_IMAGES);
    expect(result.failed).toEqual({ ids: ids.slice(MAX_BULK_IMAGES), error: refusal });
  });
});

describe('useBulkStar', () => {
  it('stars at once; when the server refuses, each image goes back to what it was and the message names the one at fault', async () => {
    const { wrapper, shown } = setup([node(3), node(2, { starred: true }), node(1)]);
    let refuse!: (error: Error) => void;
    bulkImages.mockImplementation(() => new Promise((_, reject) => (refuse = reject)));
    const { result } = renderHook(() => useBulkStar(), { wrapper });

    act(() => result.current.mutate({ ids: [3, 2, 1], starred: true }));
    await waitFor(() => expect(shown().map((n) => n.starred)).toEqual([true, true, true]));
    expect(bulkImages).toHaveBeenCalledWith([3, 2, 1], 'star');
    const message = 'Image 1 is in the trash; nothing was changed. Restore it first (action "restore"), or leave it out of ids.';
    act(() => refuse(new ApiError(400, 'validation_error', message)));
    await waitFor(() => expect(shown().map((n) => n.starred)).toEqual([false, true, false]));
    expect(toastError).toHaveBeenCalledWith('3 images could not be starred', { description: message });
  });
});

describe('useBulkTrash', () => {
  it('takes the images out of the gallery in one request, with Undo restoring those it moved to the trash', async () => {
    const { wrapper, shown } = setup([node(3), node(2), node(1)]);
    // Image 2 was deleted for good elsewhere: the server leaves it as it is, so there is nothing to undo for it.
    bulkImages.mockResolvedValueOnce({ items: [node(3, { trashed_at: '2026-01-02T00:00:00.000Z' }), node(2, { url: null, deleted_at: '2026-01-01T12:00:00.000Z' })] });
    const { result } = renderHook(() => useBulkTrash(), { wrapper });

    act(() => result.current.mutate([3, 2]));
    await waitFor(() => expect(shown().map((n) => n.id)).toEqual([1]));
    expect(bulkImages).toHaveBeenCalledWith([3, 2], 'trash');
    expect(toastSuccess).toHaveBeenCalledWith('Image #3 moved to the trash', expect.objectContaining({ action: expect.objectContaining({ label: 'Undo' }) }));

    bulkImages.mockResolvedValueOnce({ items: [node(3)] });
    const undo = (toastSuccess.mock.calls[0]![1] as { action: { onClick: () => void } }).action.onClick;
    act(() => undo());
    await waitFor(() => expect(toastSuccess).toHaveBeenCalledWith('1 image restored'));
    expect(bulkImages).toHaveBeenLastCalledWith([3], 'restore');
    expect(bulkImages).toHaveBeenCalledTimes(2);
  });
});
