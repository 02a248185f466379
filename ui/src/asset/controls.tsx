/**
 * Materialize, backfill and retry a range of an asset's partitions (operators of its group): the
 * range comes from the heatmap's selection or is typed; the mutation's typed result is shown, with
 * links to the requests it submitted.
 */
import { useState } from 'react';
import { Link } from 'react-router';
import { useMutation } from 'urql';
import { fmtInt } from '../lib/format';
import type { KeyRange } from '../heatmap/heatmap';

const SUBMITTED = `__typename
  ... on RequestsSubmitted { woken requests { id action status assetKey partitionCount } }
  ... on Error { message }
  ... on InvalidPartition { partitionKey }
  ... on InvalidInput { field }`;

const MATERIALIZE = `mutation UiMaterialize($key: String!, $partitions: PartitionSelectionInput!) { result: materialize(assetKeys: [$key], partitions: $partitions) { ${SUBMITTED} } }`;
const BACKFILL = `mutation UiBackfill($key: String!, $partitions: PartitionSelectionInput!) { result: backfill(assetKey: $key, partitions: $partitions) { ${SUBMITTED} } }`;
const RETRY = `mutation UiRetry($key: String!, $partitionKey: String, $allFailed: Boolean) { result: retry(assetKey: $key, partitionKey: $partitionKey, allFailed: $allFailed) { ${SUBMITTED} } }`;

interface Result {
  readonly result: { readonly __typename: string; readonly message?: string; readonly woken?: boolean; readonly requests?: ReadonlyArray<{ id: string; action: string; status: string; assetKey: string; partitionCount: number | null }> };
}

export function RangeControls({ assetKey, partitioned, selection, failed }: { assetKey: string; partitioned: boolean; selection: KeyRange | null; failed: number }) {
  const [typed, setTyped] = useState<{ first: string; last: string } | null>(null);
  const [m, materialize] = useMutation<Result>(MATERIALIZE);
  const [b, backfill] = useMutation<Result>(BACKFILL);
  const [r, retry] = useMutation<Result>(RETRY);
  const [last, setLast] = useState<'m' | 'b' | 'r' | null>(null);
  const first = typed?.first ?? selection?.first ?? '';
  const lastKey = typed?.last ?? selection?.last ?? '';
  const fromSelection = typed === null && selection !== null;
  const partitions = !partitioned ? { keys: [''] } : first === lastKey ? { keys: [first] } : { range: { first, last: lastKey } };
  const hasRange = !partitioned || (first !== '' && lastKey !== '');
  const busy = m.fetching || b.fetching || r.fetching;
  const answer = last === 'm' ? m : last === 'b' ? b : last === 'r' ? r : null;
  const result = answer?.data?.result;
  return (
    <div className="range-controls" data-testid="range-controls">
      {partitioned ? (
        <div className="range-inputs">
          <label>
            first{' '}
            <input data-testid="range-first" value={first} placeholder="select on the heatmap" onChange={(e) => setTyped({ first: e.target.value, last: lastKey })} />
          </label>
          <label>
            last{' '}
            <input data-testid="range-last" value={lastKey} placeholder="(shift-click or shift-drag)" onChange={(e) => setTyped({ first, last: e.target.value })} />
          </label>
          {fromSelection && selection ? <span className="muted">{fmtInt(selection.count)} partitions selected</span> : null}
          {typed ? (
            <button type="button" className="link" onClick={() => setTyped(null)}>
              use the selection
            </button>
          ) : null}
        </div>
      ) : null}
      <div className="range-buttons">
        <button
          type="button"
          className="primary"
          data-testid="materialize"
          disabled={!hasRange || busy}
          onClick={() => {
            setLast('m');
            void materialize({ key: assetKey, partitions });
          }}
        >
          Materialize{partitioned && hasRange ? (first === lastKey ? ' partition' : ' range') : ''}
        </button>
        {partitioned ? (
          <button
            type="button"
            data-testid="backfill"
            disabled={!hasRange || busy}
            onClick={() => {
              setLast('b');
              void backfill({ key: assetKey, partitions: first === lastKey ? { keys: [first] } : { range: { first, last: lastKey } } });
            }}
          >
            Backfill range
          </button>
        ) : null}
        <button
          type="button"
          data-testid="retry"
          disabled={busy || (partitioned && first !== lastKey && failed === 0)}
          title={partitioned && first !== '' && first === lastKey ? `retry ${first}` : 'retry every failed partition'}
          onClick={() => {
            setLast('r');
            void retry(partitioned && first !== '' && first === lastKey ? { key: assetKey, partitionKey: first } : !partitioned ? { key: assetKey, partitionKey: '' } : { key: assetKey, allFailed: true });
          }}
        >
          {partitioned && first !== '' && first === lastKey ? 'Retry partition' : `Retry failed (${fmtInt(failed)})`}
        </button>
      </div>
      {answer?.error ? (
        <div className="error-box" data-testid="mutation-result" data-typename="error">
          {answer.error.message}
        </div>
      ) : null}
      {result ? (
        <div className={result.__typename === 'RequestsSubmitted' ? 'mutation-ok' : 'error-box'} data-testid="mutation-result" data-typename={result.__typename}>
          <b>{result.__typename}</b>
          {result.message ? `: ${result.message}` : null}
          {result.requests?.map((q) => (
            <div key={q.id}>
              <Link to={`/requests/${encodeURIComponent(q.id)}`} data-testid="request-link" data-request-id={q.id}>
                request {q.id}
              </Link>{' '}
              <span className="muted">
                {q.action.toLowerCase()} of {q.assetKey}, {q.partitionCount === null ? 'every partition' : `${fmtInt(q.partitionCount)} partition${q.partitionCount === 1 ? '' : 's'}`} · {q.status.toLowerCase()}
                {result.woken ? ' · the loop was woken' : ''}
              </span>
            </div>
          ))}
        </div>
      ) : null}
    </div>
  );
}
