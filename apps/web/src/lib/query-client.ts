import { QueryClient } from '@tanstack/react-query';
import { toast } from 'sonner';
import { ApiError } from './api-client';

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
        refetchOnWindowFocus: false,
      },
      mutations: {
        // Every failed action tells the person why, in the server's words; except a 401, which
        // takes them to the sign-in page instead (see features/auth).
        onError: (error) => {
          if (error instanceof ApiError && error.status === 401) return;
          toast.error(error.message);
        },
      },
    },
  });
}
