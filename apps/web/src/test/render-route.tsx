import type { ReactElement } from 'react';
import { render } from '@testing-library/react';
import { QueryClientProvider } from '@tanstack/react-query';
import { createMemoryRouter, RouterProvider, useLocation } from 'react-router';
import { createQueryClient } from '@/lib/query-client';

/**
 * Renders `element` at `path` (matched by `pattern`) inside the app's query client, with
 * no retries. Other paths render "Went to <path>", so navigation can be asserted.
 */
export function renderRoute(element: ReactElement, { path, pattern }: { path: string; pattern: string }) {
  const client = createQueryClient();
  const defaults = client.getDefaultOptions();
  client.setDefaultOptions({ ...defaults, queries: { ...defaults.queries, retry: false } });
  const router = createMemoryRouter(
    [
      { path: pattern, element },
      { path: '*', Component: Elsewhere },
    ],
    { initialEntries: [path] },
  );
  const utils = render(
    <QueryClientProvider client={client}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
  return { ...utils, router, client };
}

function Elsewhere() {
  const location = useLocation();
  return <p>Went to {location.pathname + location.search}</p>;
}
