import { lazy, Suspense } from 'react';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { Layout } from './layout';
import { CreatePage } from '@/features/generate/components/create-page';
import { GalleryPage } from '@/features/gallery/components/gallery-page';
import { ImagePage } from '@/features/image/components/image-page';
import { NotFoundPage } from './not-found-page';
import { Skeleton } from '@/components/ui/skeleton';

// The graph library loads only when a lineage or compare view opens.
const LineagePage = lazy(() => import('@/features/lineage/components/lineage-page'));
const ComparePage = lazy(() => import('@/features/compare/components/compare-page'));

const fallback = <Skeleton className="m-6 h-[70vh]" />;

const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { path: '/', element: <CreatePage /> },
      { path: '/gallery', element: <GalleryPage /> },
      { path: '/image/:id', element: <ImagePage /> },
      { path: '/lineage/:id', element: <Suspense fallback={fallback}><LineagePage /></Suspense> },
      { path: '/compare/:a/:b', element: <Suspense fallback={fallback}><ComparePage /></Suspense> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);

export function AppRouter() {
  return <RouterProvider router={router} />;
}
