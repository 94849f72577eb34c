import { Loader2, X } from 'lucide-react';
import { useCancelJob, useRunningJobs } from '../api';

/** Derived versions of this image that are queued or rendering, with their progress. */
export function RunningJobs({ parentId }: { parentId: number }) {
  const jobs = useRunningJobs(parentId);
  const cancel = useCancelJob();
  if (jobs.length === 0) return null;
  return (
    <ul className="space-y-2" aria-label="Running" aria-live="polite">
      {jobs.map(({ job, label }) => {
        const percent = Math.round(job.progress * 100);
        const steps = job.step !== null && job.total_steps ? ` · step ${job.step} of ${job.total_steps}` : '';
        return (
          <li key={job.id} className="rounded-xl bg-indigo-50/70 p-3 ring-1 ring-inset ring-indigo-200/70 dark:bg-indigo-950/40 dark:ring-indigo-900">
            <div className="flex items-center gap-2 text-sm">
              <Loader2 className="h-4 w-4 shrink-0 animate-spin text-indigo-600 dark:text-indigo-400" aria-hidden />
              <span className="font-medium">{label}</span>
              <span className="truncate text-xs text-zinc-600 dark:text-zinc-400">
                {job.status === 'queued' ? 'queued' : `${percent}%${steps}`}
              </span>
              <button
                type="button"
                onClick={() => cancel.mutate(job.id)}
                aria-label={`Cancel ${label.toLowerCase()}`}
                className="ml-auto rounded-md p-1 text-zinc-500 hover:bg-white hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:hover:bg-zinc-900 dark:hover:text-zinc-100"
              >
                <X className="h-3.5 w-3.5" aria-hidden />
              </button>
            </div>
            <div
              role="progressbar"
              aria-label={`${label} progress`}
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={percent}
              className="mt-2 h-1.5 overflow-hidden rounded-full bg-indigo-100 dark:bg-indigo-950"
            >
              <div className="h-full rounded-full bg-indigo-600 transition-[width] duration-300 dark:bg-indigo-400" style={{ width: `${Math.max(percent, job.status === 'queued' ? 0 : 3)}%` }} />
            </div>
          </li>
        );
      })}
    </ul>
  );
}
