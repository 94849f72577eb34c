import type { ReactNode } from 'react';

export function EmptyState({ icon, title, children, action }: { icon?: ReactNode; title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="mx-auto flex max-w-md flex-col items-center gap-3 px-6 py-16 text-center">
      {icon ? <div className="text-zinc-400 dark:text-zinc-500">{icon}</div> : null}
      <h2 className="text-lg font-semibold">{title}</h2>
      {children ? <div className="text-sm text-zinc-600 dark:text-zinc-400">{children}</div> : null}
      {action}
    </div>
  );
}
