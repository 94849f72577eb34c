import { useState, type ReactNode } from 'react';
import { QueryClientProvider } from '@tanstack/react-query';
import { Toaster } from 'sonner';
import { createQueryClient } from '@/lib/query-client';
import { useTheme } from '@/lib/theme';

export function AppProviders({ children }: { children: ReactNode }) {
  const [client] = useState(createQueryClient);
  const [theme] = useTheme();
  return (
    <QueryClientProvider client={client}>
      {children}
      <Toaster theme={theme} position="bottom-right" richColors closeButton />
    </QueryClientProvider>
  );
}
