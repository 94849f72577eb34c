import type { ModelName, Spec } from '@imageflow/shared';

export interface ProviderRequest {
  model: ModelName;
  prompt: string;
  negativePrompt: string;
  /** The full recipe; `batch_size` images are made with seeds `seed`, `seed + 1`, ... */
  spec: Spec;
  /** Image-to-image: the init image as PNG bytes. The provider resizes it to spec size. */
  init?: { png: Buffer };
}

export interface ProviderProgress {
  /** Steps done so far over the whole batch, and the total. */
  step: number;
  total: number;
}

export interface ProviderRunOptions {
  onProgress?: (progress: ProviderProgress) => void;
  onPreview?: (preview: { mime: string; data: Buffer }) => void;
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
}

export interface ProviderHealth {
  ok: boolean;
  message?: string;
}

export interface Provider {
  readonly name: string;
  /** False for engines that are not AI (the builtin procedural renderer). */
  readonly isAi: boolean;
  generate(request: ProviderRequest, options?: ProviderRunOptions): Promise<ProviderImage[]>;
  health(): Promise<ProviderHealth>;
  models(): Promise<ModelName[]>;
}
