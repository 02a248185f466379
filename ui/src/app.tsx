import { lazy, Suspense } from 'react';
import { Route, Routes } from 'react-router';
import { useSession } from './api/session';
import { Layout } from './components/layout';
import { ErrorBox, Loading } from './components/status';
import { AssetPage } from './pages/asset';
import { FailuresPage } from './pages/failures';
import { LoginPage } from './pages/login';
import { NotFoundPage } from './pages/not-found';
import { PartitionPage } from './pages/partition';
import { RequestPage, RequestsPage } from './pages/requests';

// The graph page brings React Flow and the layout worker: its own chunk, so the other pages (a
// pasted link to an asset or a partition, the heatmap at a million partitions) load less to start.
const GraphPage = lazy(() => import('./pages/graph').then((m) => ({ default: m.GraphPage })));

/**
 * Routes (asset keys and partition keys are URI-encoded path segments):
 *   /                               asset graph
 *   /assets/:key                    asset page: definition, history, checks, partition heatmap
 *   /assets/:key/partitions/:pk     partition forensics: provenance tree, reasons, diff (no :pk: unpartitioned)
 *   /failures                       failure triage grouped by fingerprint
 *   /requests, /requests/:id        requests and backfills with progress
 */
export function App() {
  const session = useSession();
  if (session.loading) return <Loading what="session" />;
  if (session.needsLogin) return <LoginPage />;
  return (
    <Layout>
      {session.error ? <ErrorBox message={session.error} /> : null}
      <Suspense fallback={<Loading what="the page" />}>
        <Routes>
          <Route path="/" element={<GraphPage />} />
          <Route path="/assets/:key" element={<AssetPage />} />
          <Route path="/assets/:key/partitions/:partition?" element={<PartitionPage />} />
          <Route path="/failures" element={<FailuresPage />} />
          <Route path="/requests" element={<RequestsPage />} />
          <Route path="/requests/:id" element={<RequestPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </Suspense>
    </Layout>
  );
}
