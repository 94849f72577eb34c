import crypto from 'node:crypto';
import type { JobRecord } from '../../src/ports/job.repository.port.ts';

/** A queued generation job, as a submit records it, for tests of the claim. */
export function queuedJob(fields: { createdAt: string; provider?: string; client?: string }): JobRecord {
  return {
    id: crypto.randomUUID(),
    status: 'queued',
    progress: 0,
    step: null,
    total_steps: null,
    action_type: 'generate',
    model: 'sdxl',
    provider: fields.provider ?? 'builtin',
    parent_id: null,
    request: {},
    plan: { action: 'generate', model: 'sdxl', prompt: 'queued', negativePrompt: '', spec: { width: 64, height: 64, steps: 4 } as JobRecord['plan']['spec'], parentId: null },
    error: null,
    attempts: 0,
    created_at: fields.createdAt,
    started_at: null,
    finished_at: null,
    remote: null,
    worker_id: null,
    client_key: fields.client ?? '',
    owner_id: null,
    front_at: null,
  };
}
