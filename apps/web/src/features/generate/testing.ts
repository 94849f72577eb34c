import type { ImageNode, Job, ModelInfo } from '@imageflow/shared';
import { MODEL_DEFAULTS, MODEL_LABELS, MODEL_NAMES } from '@imageflow/shared/constants';

/** Test fixtures: an image node, a job and the model list, with overrides. */
export function makeNode(overrides: Partial<ImageNode> = {}): ImageNode {
  const id = overrides.id ?? 1;
  return {
    id,
    is_root: true,
    parent_id: null,
    root_id: id,
    depth: 0,
    prompt: 'a lighthouse on a cliff at sunset over the ocean',
    negative_prompt: '',
    model: 'sdxl',
    provider: 'builtin',
    seed: 42,
    spec_json: { width: 1024, height: 1024, steps: 30, guidance: 7, seed: 42, sampler: 'dpmpp_2m_karras', strength: 0.6, batch_size: 1 },
    request_params: {},
    action_type: 'generate',
    image_path: `images/sdxl_${id}.png`,
    filename: `sdxl_${id}.png`,
    url: `/images/sdxl_${id}.png`,
    thumbnail_url: `/thumbs/sdxl_${id}.webp`,
    width: 1024,
    height: 1024,
    bytes: 1000,
    sha256: 'x',
    starred: false,
    deleted_at: null,
    trashed_at: null,
    created_at: '2026-01-01T00:00:00.000Z',
    children_count: 0,
    original: null,
    pending_parent_sha256: null,
    ...overrides,
  };
}

export function makeJob(overrides: Partial<Job> = {}): Job {
  return {
    id: 'job-1',
    status: 'queued',
    progress: 0,
    step: null,
    total_steps: null,
    action_type: 'generate',
    model: 'sdxl',
    provider: 'builtin',
    parent_id: null,
    request: {},
    error: null,
    attempts: 0,
    created_at: '2026-01-01T00:00:00.000Z',
    started_at: null,
    finished_at: null,
    images: [],
    ...overrides,
  };
}

export function makeModels(overrides: Partial<Record<(typeof MODEL_NAMES)[number], Partial<ModelInfo>>> = {}): ModelInfo[] {
  return MODEL_NAMES.map((name) => ({
    name,
    label: MODEL_LABELS[name],
    family: name === 'sdxl' ? 'sdxl' : 'flux',
    provider: 'builtin',
    ai: false,
    reachable: true,
    message: null,
    defaults: MODEL_DEFAULTS[name],
    ...overrides[name],
  }));
}

type Listener = (event: MessageEvent<string>) => void;

/** A stand-in for EventSource that a test drives by hand. */
export class FakeEventSource {
  static instances: FakeEventSource[] = [];
  readonly listeners = new Map<string, Listener[]>();
  onerror: ((event: Event) => void) | null = null;
  closed = false;

  constructor(readonly url: string) {
    FakeEventSource.instances.push(this);
  }

  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.closed = true;
  }

  emit(type: 'progress' | 'completed' | 'failed' | 'canceled', job: Job): void {
    for (const l of this.listeners.get(type) ?? []) l(new MessageEvent(type, { data: JSON.stringify(job) }));
  }

  emitPreview(jobId: string, dataUrl: string): void {
    for (const l of this.listeners.get('preview') ?? []) l(new MessageEvent('preview', { data: JSON.stringify({ id: jobId, mime: 'image/jpeg', data_url: dataUrl }) }));
  }

  fail(): void {
    this.onerror?.(new Event('error'));
  }

  static latest(): FakeEventSource {
    const last = FakeEventSource.instances.at(-1);
    if (!last) throw new Error('no EventSource was opened');
    return last;
  }
}
