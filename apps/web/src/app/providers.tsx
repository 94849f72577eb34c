import { useState, useSyncExternalStore, type ReactNode } from 'react';
import { QueryClientProvider } from '@tanstack/react-query';
import { Toaster } from 'sonner';
import { createQueryClient } from '@/lib/query-client';
import { useTheme } from '@/lib/theme';

/** From this width on, Create's form is a column of its own and the corner below right is free. */
const WIDE = '(min-width: 1024px)';

function useWide(): boolean {
  return useSyncExternalStore(
    (onChange) => {
      const query = window.matchMedia?.(WIDE);
      query?.addEventListener('change', onChange);
      return () => query?.removeEventListener('change', onChange);
    },
    () => window.matchMedia?.(WIDE).matches ?? true,
    () => true,
  );
}

/**
 * Just below the header wherever it is on screen (the layout keeps --header-bottom current: under
 * the notice at the top of the page, at the top edge once scrolled), so toasts hide no navigation.
 */
const BELOW_HEADER = 'calc(var(--header-bottom, 3.5rem) + 0.75rem)';

export function AppProviders({ children }: { children: ReactNode }) {
  const [client] = useState(createQueryClient);
  const [theme] = useTheme();
  // Below that width the Generate bar, and the form it belongs to, spans the bottom of the screen:
  // toasts come in at the top instead, where they cover neither.
  const wide = useWide();
  return (
    <QueryClientProvider client={client}>
      {children}
      <Toaster
        theme={theme}
        position={wide ? 'bottom-right' : 'top-center'}
        offset={wide ? undefined : { top: BELOW_HEADER }}
        mobileOffset={{ top: BELOW_HEADER }}
        richColors
        closeButton
      />
    </QueryClientProvider>
  );
}
