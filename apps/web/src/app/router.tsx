import { lazy, Suspense, type ComponentType, type LazyExoticComponent } from 'react';
import { createBrowserRouter, matchRoutes, RouterProvider, type Params, type RouteObject } from 'react-router';
import { Layout } from './layout';
import { NotFoundPage } from './not-found-page';
import { Skeleton } from '@/components/ui/skeleton';
import { RequireAuth } from '@/features/auth/components/auth-gate';
import { prefetchWholeLineage } from '@/features/lineage/api';

/**
 * Every screen is its own chunk: the first visit downloads the shell (React, the router, the
 * query cache, the header) and the one screen it opens. The screen of the URL the app starts on
 * is fetched at start-up, beside the shell's first request, not after it (see `AppRouter`).
 */
type Page = LazyExoticComponent<ComponentType> & { load: () => Promise<unknown> };

function page(load: () => Promise<{ default: ComponentType }>): Page {
  let loading: Promise<{ default: ComponentType }> | undefined;
  // One request however often it is asked for; a failed one (the network) is tried again next time.
  const once = () =>
    (loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    }));
  return Object.assign(lazy(once), { load: once });
}

const CreatePage = page(() => import('@/features/generate/components/create-page').then((m) => ({ default: m.CreatePage })));
const GalleryPage = page(() => import('@/features/gallery/components/gallery-page').then((m) => ({ default: m.GalleryPage })));
const ImagePage = page(() => import('@/features/image/components/image-page').then((m) => ({ default: m.ImagePage })));
const ImportPage = page(() => import('@/features/import/components/import-page').then((m) => ({ default: m.ImportPage })));
const SignInPage = page(() => import('@/features/auth/components/sign-in-page').then((m) => ({ default: m.SignInPage })));
const LineagePage = page(() => import('@/features/lineage/components/lineage-page'));
const ComparePage = page(() => import('@/features/compare/components/compare-page'));
const SharedPage = page(() => import('@/features/share/components/shared-page'));
const SharesPage = page(() => import('@/features/share/components/shares-page'));
const TokensPage = page(() => import('@/features/tokens/components/tokens-page'));
const TrashPage = page(() => import('@/features/trash/components/trash-page'));
const QueuePage = page(() => import('@/features/queue/components/queue-page'));
const AccountPage = page(() => import('@/features/account/components/account-page'));
const UsersPage = page(() => import('@/features/account/components/users-page'));

const fallback = <Skeleton className="m-6 h-[70vh]" />;

/** What starting the app on a route fetches at once: the screen's code, and data it will ask for first. */
interface RouteHandle {
  load: () => Promise<unknown>;
  prefetch?: (params: Params) => void;
}

function route(path: string, Screen: Page, options: { outsideLayout?: boolean; prefetch?: RouteHandle['prefetch'] } = {}): RouteObject {
  const handle: RouteHandle = { load: Screen.load, prefetch: options.prefetch };
  return {
    path,
    element: <Suspense fallback={options.outsideLayout ? null : fallback}><Screen /></Suspense>,
    handle,
  };
}

/** Every route; exported so tests can mount the whole app in a memory router. */
export const routes: RouteObject[] = [
  // Outside the gate: the sign-in page, and the first-run set-up.
  route('/signin', SignInPage, { outsideLayout: true }),
  // Public: what a share link shows, to anyone who has it, signed in or not.
  route('/s/:key', SharedPage, { outsideLayout: true }),
  {
    // The studio shows once the app knows who is signed in; signed out (accounts on), /signin.
    element: (
      <RequireAuth>
        <Layout />
      </RequireAuth>
    ),
    children: [
      route('/', CreatePage),
      route('/gallery', GalleryPage),
      route('/import', ImportPage),
      route('/image/:id', ImagePage),
      // A big tree takes a few requests: they start beside the screen's code.
      route('/lineage/:id', LineagePage, { prefetch: (params) => prefetchWholeLineage(params.id) }),
      route('/compare/:a/:b', ComparePage),
      route('/account', AccountPage),
      route('/users', UsersPage),
      route('/tokens', TokensPage),
      route('/shares', SharesPage),
      route('/trash', TrashPage),
      route('/queue', QueuePage),
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];

/** Starts fetching the screen of `pathname`, and the data it opens with (no-op for unknown paths). */
export function preloadScreen(pathname: string) {
  for (const match of matchRoutes(routes, pathname) ?? []) {
    const handle = match.route.handle as RouteHandle | undefined;
    void handle?.load().catch(() => undefined);
    handle?.prefetch?.(match.params);
  }
}

/** The screens most visits go on to, fetched once the browser is idle so moving to them does not wait. */
const LIKELY_NEXT = [CreatePage, GalleryPage, ImagePage];

let router: ReturnType<typeof createBrowserRouter> | undefined;

export function AppRouter() {
  if (!router) {
    preloadScreen(window.location.pathname);
    router = createBrowserRouter(routes);
    // Not while the first screen is still loading what it shows: a few seconds after the page has loaded.
    const prefetch = () => LIKELY_NEXT.forEach((screen) => void screen.load().catch(() => undefined));
    const later = () => setTimeout(() => ('requestIdleCallback' in window ? window.requestIdleCallback(prefetch, { timeout: 5000 }) : prefetch()), 3000);
    if (document.readyState === 'complete') later();
    else window.addEventListener('load', later, { once: true });
  }
  return <RouterProvider router={router} />;
}
