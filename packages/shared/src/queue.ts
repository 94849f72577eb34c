import { z } from 'zod';
import { Job, JOB_STATUSES, urlInteger, type JobStatus } from './api.ts';

/** Statuses in a URL: one or more, separated by commas, e.g. `queued,running`. */
const StatusList = z
  .string()
  .max(200, 'status is a short list, e.g. queued,running')
  .transform((value, ctx) => {
    const parts = value.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = parts.find((p) => !(JOB_STATUSES as readonly string[]).includes(p));
    if (parts.length === 0 || unknown !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `${unknown === undefined ? 'status is empty' : `"${unknown.slice(0, 40)}" is not a job status`}; name one or more of ${JOB_STATUSES.join(', ')}, separated by commas (e.g. queued,running)`,
      });
      return z.NEVER;
    }
    return [...new Set(parts)] as JobStatus[];
  });

export const JobListQuery = z.object({
  status: StatusList.optional().describe('Only jobs in these states, e.g. queued,running. Default: every state.'),
  limit: urlInteger('limit', { min: 1, max: 200 }).default(50),
  cursor: z.string().max(200).optional().describe('next_cursor of the previous page.'),
});
export type JobListQuery = z.infer<typeof JobListQuery>;

/** DELETE /api/generations/{id}: with queued_only=true, a job that has started is left running (409) instead of canceled. */
export const CancelJobQuery = z.object({
  queued_only: z
    .enum(['true', 'false'], { error: 'queued_only must be "true" or "false"' })
    .optional()
    .transform((v) => v === 'true')
    .describe('true: cancel only while the job waits; one that has started (even a moment ago) answers 409 and runs on.'),
});

export const QueueJob = Job.extend({
  position: z
    .number()
    .int()
    .positive()
    .nullable()
    .describe('For a queued job: its place among your queued jobs, 1 being the next to start; null otherwise.'),
});
export type QueueJob = z.infer<typeof QueueJob>;

export const JobPage = z.object({
  items: z.array(QueueJob).describe('Your jobs, newest first.'),
  next_cursor: z.string().nullable(),
  counts: z
    .object({ queued: z.number().int(), running: z.number().int() })
    .describe('How many of your jobs are queued and running now, whatever the filter.'),
});
export type JobPage = z.infer<typeof JobPage>;
