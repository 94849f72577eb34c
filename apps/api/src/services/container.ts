import type { Config } from '../config.ts';
import type { ImageStore } from '../ports/image-store.port.ts';
import type { JobQueue } from '../ports/job-queue.port.ts';
import type { AccountService } from './account.service.ts';
import type { BundleService } from './bundle.service.ts';
import type { RetentionService } from './retention.service.ts';
import type { FileService } from './file.service.ts';
import type { GenerationService } from './generation.service.ts';
import type { ImageService } from './image.service.ts';
import type { InstanceService } from './instance.service.ts';
import type { LineageService } from './lineage.service.ts';
import type { ProviderRegistry } from './provider-registry.ts';

/** The services the HTTP layer calls, wired by app.ts. */
export interface Services {
  config: Config;
  accounts: AccountService;
  retention: RetentionService;
  store: ImageStore;
  providers: ProviderRegistry;
  databaseKind: string;
  generations: GenerationService;
  images: ImageService;
  files: FileService;
  lineage: LineageService;
  bundles: BundleService;
  queue: JobQueue;
  instance: InstanceService;
}
