import type { Job } from '@imageflow/shared';
import { AppError } from '../errors.ts';

const STATUS_BY_CODE: Record<string, number> = {
  validation_error: 400,
  not_found: 404,
  canceled: 409,
  interrupted: 503,
};

/** The error a waiting request answers with when its job did not succeed. */
export function jobFailure(job: Job): AppError {
  const code = job.error?.code ?? (job.status === 'canceled' ? 'canceled' : 'generation_failed');
  return new AppError(STATUS_BY_CODE[code] ?? 502, code, job.error?.message ?? `The job ended as ${job.status}.`);
}
