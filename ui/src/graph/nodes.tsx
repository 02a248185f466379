/** The boxes of the asset graph: an asset (key, group, status colour, counts) or a collapsed group. */
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { STATUS_COLOURS, STATUS_LABELS, type Status } from '../components/status';
import { fmtInt } from '../lib/format';
import { SEVERITY, worstStatus, type Counts } from './model';

export type AssetNodeData = { key: string; group: string; kind: 'ASSET' | 'SOURCE'; counts: Counts; highlighted: boolean; dimmed: boolean; onFocus: (key: string) => void };
export type GroupNodeData = { group: string; size: number; counts: Counts; highlighted: boolean; matches: number };
export type AssetFlowNode = Node<AssetNodeData, 'asset'>;
export type GroupFlowNode = Node<GroupNodeData, 'assetGroup'>;

function CountChips({ counts }: { counts: Counts }) {
  return (
    <span className="gn-counts">
      {SEVERITY.filter((s) => counts[s] > 0).map((s: Status) => (
        <span key={s} className="gn-chip" data-status={s} title={`${fmtInt(counts[s])} ${STATUS_LABELS[s]}`}>
          <i style={{ background: STATUS_COLOURS[s] }} />
          {fmtInt(counts[s])}
        </span>
      ))}
    </span>
  );
}

export const AssetNode = memo(function AssetNode({ data }: NodeProps<AssetFlowNode>) {
  const worst = worstStatus(data.counts);
  return (
    <div className={`gn gn-asset${data.highlighted ? ' gn-hit' : ''}${data.dimmed ? ' gn-dim' : ''}`} data-testid="graph-node" data-key={data.key} data-status={worst} title={`${data.key}: ${STATUS_LABELS[worst]}`}>
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <span className="gn-stripe" style={{ background: STATUS_COLOURS[worst] }} />
      <div className="gn-body">
        <div className="gn-title">
          <span className="gn-key">{data.key}</span>
          <button
            type="button"
            className="gn-focus nodrag"
            aria-label={`Focus on ${data.key}`}
            title="Show only what is upstream and downstream of it"
            onClick={(e) => {
              e.stopPropagation();
              data.onFocus(data.key);
            }}
          >
            <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true">
              <circle cx="8" cy="8" r="5" fill="none" stroke="currentColor" strokeWidth="1.6" />
              <circle cx="8" cy="8" r="1.6" fill="currentColor" />
              <path d="M8 0v3M8 13v3M0 8h3M13 8h3" stroke="currentColor" strokeWidth="1.6" />
            </svg>
          </button>
        </div>
        <div className="gn-meta">
          <span className="gn-group">{data.kind === 'SOURCE' ? `source · ${data.group}` : data.group}</span>
          <CountChips counts={data.counts} />
        </div>
      </div>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});

export const GroupNode = memo(function GroupNode({ data }: NodeProps<GroupFlowNode>) {
  const worst = worstStatus(data.counts);
  return (
    <div className={`gn gn-group-box${data.highlighted ? ' gn-hit' : ''}`} data-testid="graph-group" data-group={data.group} data-status={worst} title={`Group ${data.group}: click to expand`}>
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <span className="gn-stripe" style={{ background: STATUS_COLOURS[worst] }} />
      <div className="gn-body">
        <div className="gn-title">
          <span className="gn-key">{data.group}</span>
          <span className="gn-open muted">open ▸</span>
        </div>
        <div className="gn-meta">
          <span className="gn-group">
            {fmtInt(data.size)} assets{data.matches > 0 ? ` · ${fmtInt(data.matches)} match` : ''}
          </span>
        </div>
        <CountChips counts={data.counts} />
      </div>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});

export const NODE_TYPES = { asset: AssetNode, assetGroup: GroupNode };
