import { lazy, Suspense } from 'react';
import { createBrowserRouter, RouterProvider, type RouteObject } from 'react-router';
import { Layout } from './layout';
import { CreatePage } from '@/features/generate/components/create-page';
import { GalleryPage } from '@/features/gallery/components/gallery-page';
import { ImagePage } from '@/features/image/components/image-page';
import { ImportPage } from '@/features/import/components/import-page';
import { NotFoundPage } from './not-found-page';
import { Skeleton } from '@/components/ui/skeleton';
import { RequireAuth } from '@/features/auth/components/auth-gate';
import { SignInPage } from '@/features/auth/components/sign-in-page';
import { TokensPage } from '@/features/tokens/components/tokens-page';
import { SharedPage } from '@/features/share/components/shared-page';
import { SharesPage } from '@/features/share/components/shares-page';
import { TrashPage } from '@/features/trash/components/trash-page';
import { AccountPage } from '@/features/account/components/account-page';
import { UsersPage } from '@/features/account/components/users-page';

// The graph library loads only when a lineage or compare view opens.
const LineagePage = lazy(() => import('@/features/lineage/components/lineage-page'));
const ComparePage = lazy(() => import('@/features/compare/components/compare-page'));

const fallback = <Skeleton className="m-6 h-[70vh]" />;

/** Every route; exported so tests can mount the whole app in a memory router. */
export const routes: RouteObject[] = [
  // Outside the gate: the sign-in page, and the first-run set-up.
  { path: '/signin', element: <SignInPage /> },
  // Public: what a share link shows, to anyone who has it, signed in or not.
  { path: '/s/:key', element: <SharedPage /> },
  {
    // The studio shows once the app knows who is signed in; signed out (accounts on), /signin.
    element: (
      <RequireAuth>
        <Layout />
      </RequireAuth>
    ),
    children: [
      { path: '/', element: <CreatePage /> },
      { path: '/gallery', element: <GalleryPage /> },
      { path: '/import', element: <ImportPage /> },
      { path: '/image/:id', element: <ImagePage /> },
      { path: '/lineage/:id', element: <Suspense fallback={fallback}><LineagePage /></Suspense> },
      { path: '/compare/:a/:b', element: <Suspense fallback={fallback}><ComparePage /></Suspense> },
      { path: '/account', element: <AccountPage /> },
      { path: '/users', element: <UsersPage /> },
      { path: '/tokens', element: <TokensPage /> },
      { path: '/shares', element: <SharesPage /> },
      { path: '/trash', element: <TrashPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];

let router: ReturnType<typeof createBrowserRouter> | undefined;

export function AppRouter() {
  router ??= createBrowserRouter(routes);
  return <RouterProvider router={router} />;
}
