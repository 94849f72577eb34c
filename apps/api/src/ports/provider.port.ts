import type { ModelName, Spec } from '@imageflow/shared';
import type { RawPixels } from './image-ops.port.ts';

export interface ProviderRequest {
  model: ModelName;
  prompt: string;
  negativePrompt: string;
  /**
   * The full recipe. `batch_size` images are made; each reports the seed that remakes it
   * (`seed`, `seed + 1`, ... for most backends; ComfyUI draws a whole batch from one seed).
   */
  spec: Spec;
  /** Image-to-image: the init image as PNG bytes. The provider resizes it to spec size. */
  init?: { png: Buffer };
}

export interface ProviderProgress {
  /** Steps done so far over the whole batch, and the total. */
  step: number;
  total: number;
}

/**
 * What a remote backend needs to find a submitted job again (ComfyUI's prompt_id, fal's
 * request_id and status URL, ...). Plain JSON: it is stored with the job.
 */
export type RemoteHandle = Record<string, unknown>;

export interface ProviderRunOptions {
  onProgress?: (progress: ProviderProgress) => void;
  /** A live preview of the image being made (JPEG or PNG bytes). */
  onPreview?: (preview: { mime: string; data: Buffer }) => void;
  /**
   * Whether a preview sent now would be shown to anyone (someone follows the job, and the last
   * preview is not too recent); a provider that makes its previews itself asks before making one.
   * Absent: every preview is wanted.
   */
  wantsPreview?: () => boolean;
  /** Called once the backend has accepted the job, with what `resume` needs to follow it again. */
  onSubmitted?: (handle: RemoteHandle) => void;
  /** Aborting cancels the run and reaches the backend (ComfyUI /interrupt, A1111 /sdapi/v1/interrupt, hosted cancel). */
  signal?: AbortSignal;
}

export interface ProviderImage {
  /** PNG bytes as the backend made them (no ImageFlow metadata yet). */
  png: Buffer;
  /** The seed actually used for this image. */
  seed: number;
  width: number;
  height: number;
  /** The backend's own name for the model that ran. */
  backendModel: string;
  /** The pixels of `png`, when the backend has them decoded anyway: the thumbnail is made from them without a decode. */
  pixels?: RawPixels;
}

export interface ProviderHealth {
  ok: boolean;
  message?: string;
}

export interface Provider {
  /** The backend's name in configuration, e.g. "builtin", "comfyui", "gpu-box". */
  readonly name: string;
  /** The kind of backend: builtin | comfyui | a1111 | fal | replicate | bfl | openai. */
  readonly kind: string;
  /** False for engines that are not AI (the builtin procedural renderer). */
  readonly isAi: boolean;
  /** How many generations the backend runs at once, across every worker; absent: as many as are sent. */
  readonly concurrency?: number;
  generate(request: ProviderRequest, options?: ProviderRunOptions): Promise<ProviderImage[]>;
  /**
   * Follows a job submitted before ImageFlow restarted, from the handle given to `onSubmitted`,
   * to its images. Absent where a backend cannot be re-attached to (A1111 answers on the request).
   */
  resume?(handle: RemoteHandle, request: ProviderRequest, options?: ProviderRunOptions): Promise<ProviderImage[]>;
  /** Cheap reachability check (e.g. ComfyUI /system_stats); never throws. */
  health(): Promise<ProviderHealth>;
  /** The models this backend is configured to serve. */
  models(): Promise<ModelName[]>;
}
