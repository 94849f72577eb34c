import type { ImageNode } from '@imageflow/shared';

/** An ImageNode with sensible defaults; override what a test cares about. */
export function makeNode(overrides: Partial<ImageNode> = {}): ImageNode {
  const id = overrides.id ?? 1;
  const deleted = Boolean(overrides.deleted_at);
  return {
    id,
    is_root: overrides.parent_id === undefined || overrides.parent_id === null,
    parent_id: null,
    root_id: 1,
    depth: 0,
    prompt: 'a lighthouse on a cliff at sunset',
    negative_prompt: 'blurry',
    model: 'sdxl',
    provider: 'builtin',
    seed: 42,
    spec_json: { width: 512, height: 512, steps: 20, guidance: 7, seed: 42, sampler: 'euler', strength: 0.6, batch_size: 1 },
    request_params: {},
    action_type: 'generate',
    image_path: deleted ? null : `sdxl_${id}.png`,
    filename: `sdxl_${id}.png`,
    url: deleted ? null : `/images/sdxl_${id}.png`,
    thumbnail_url: deleted ? null : `/thumbs/sdxl_${id}.webp`,
    width: 512,
    height: 512,
    bytes: 350_000,
    sha256: 'ab'.repeat(32),
    starred: false,
    deleted_at: null,
    trashed_at: null,
    created_at: '2025-01-01T12:00:00.000Z',
    children_count: 0,
    original: null,
    pending_parent_sha256: null,
    ...overrides,
  };
}
