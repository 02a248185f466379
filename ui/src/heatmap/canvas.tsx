/**
 * One <canvas> of cells (devicePixelRatio-aware): each cell filled with its dominant status, a
 * strip along its bottom with the count-proportional mix of every status, and a tooltip with the
 * counts on hover. A click activates a cell (drill down, or open a partition); shift-click or a
 * shift-drag selects a range of cells.
 */
import { useEffect, useRef, useState, type MouseEvent } from 'react';
import { STATUS_COLOURS, STATUS_LABELS, STATUSES } from '../components/status';
import { fmtInt } from '../lib/format';
import { dominantOf, type Cell } from './model';

export interface CellRange {
  readonly from: number;
  readonly to: number;
}

interface Geometry {
  readonly cols: number;
  readonly w: number;
  readonly h: number;
  readonly gap: number;
  readonly labels: boolean;
}

function geometryOf(width: number, cells: number, columns?: number): Geometry {
  if (columns !== undefined) {
    const gap = 3;
    const w = Math.max(8, Math.min(64, Math.floor((width + gap) / columns) - gap));
    return { cols: columns, w, h: Math.min(32, Math.max(14, w)), gap, labels: w >= 30 };
  }
  const labels = cells <= 600;
  const w = labels ? (cells <= 40 ? 64 : 52) : 14;
  const h = labels ? 38 : 14;
  const gap = labels ? 4 : 2;
  const cols = Math.max(1, Math.floor((width + gap) / (w + gap)));
  return { cols, w, h, gap, labels };
}

/** The row and column pitch of a grid of `columns` at `width` (for labels beside the canvas). */
export function gridPitch(width: number, columns: number): { row: number; col: number } {
  const g = geometryOf(width, 0, columns);
  return { row: g.h + g.gap, col: g.w + g.gap };
}

const MIX_H = 6;

/** Dark text on light fills, white on dark ones. */
function inkOn(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const l = 0.299 * ((n >> 16) & 255) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255);
  return l > 160 ? '#1d2330' : '#ffffff';
}

export function HeatmapCanvas({ cells, selection, onActivate, onSelect, onPainted, columns, onWidth }: { cells: readonly Cell[]; selection: CellRange | null; onActivate(index: number): void; onSelect(range: CellRange): void; onPainted(): void; columns?: number; onWidth?(width: number): void }) {
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);
  const [hover, setHover] = useState<{ index: number; x: number; y: number } | null>(null);
  const [drag, setDrag] = useState<{ anchor: number; moved: boolean } | null>(null);
  const [anchor, setAnchor] = useState<number | null>(null);
  const painted = useRef(onPainted);
  const widthListener = useRef(onWidth);
  useEffect(() => {
    painted.current = onPainted;
    widthListener.current = onWidth;
  });

  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const observer = new ResizeObserver((entries) => {
      const w = Math.floor(entries[0]?.contentRect.width ?? 0);
      setWidth(w);
      widthListener.current?.(w);
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const g = geometryOf(width, cells.length, columns);
  const rows = Math.max(1, Math.ceil(cells.length / g.cols));
  const height = rows * (g.h + g.gap);

  useEffect(() => {
    const el = canvas.current;
    if (!el || width === 0) return;
    const dpr = window.devicePixelRatio || 1;
    el.width = Math.round(width * dpr);
    el.height = Math.round(height * dpr);
    const ctx = el.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = '600 12px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    const lo = selection ? Math.min(selection.from, selection.to) : -1;
    const hi = selection ? Math.max(selection.from, selection.to) : -2;
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i] as Cell;
      const x = (i % g.cols) * (g.w + g.gap);
      const y = Math.floor(i / g.cols) * (g.h + g.gap);
      const dominant = dominantOf(cell.counts) ?? 'missing';
      const fill = STATUS_COLOURS[dominant];
      ctx.fillStyle = fill;
      ctx.fillRect(x, y, g.w, g.h);
      if (g.labels && cell.count > 1) {
        // The mix: each status's share of the cell's width, along its bottom.
        let mx = x;
        const total = cell.counts.total || cell.count;
        for (const s of STATUSES) {
          const n = cell.counts[s];
          if (n <= 0) continue;
          const w = (n / total) * g.w;
          ctx.fillStyle = STATUS_COLOURS[s];
          ctx.fillRect(mx, y + g.h - MIX_H, Math.max(w, 1), MIX_H);
          mx += w;
        }
        ctx.fillStyle = 'rgba(255,255,255,0.55)';
        ctx.fillRect(x, y + g.h - MIX_H - 1, g.w, 1);
      }
      if (g.labels) {
        ctx.fillStyle = inkOn(fill);
        ctx.fillText(cell.short.length > 7 ? `${cell.short.slice(0, 6)}…` : cell.short, x + g.w / 2, y + (g.h - (cell.count > 1 ? MIX_H : 0)) / 2, g.w - 4);
      }
      if (i >= lo && i <= hi) {
        ctx.strokeStyle = '#1d2330';
        ctx.lineWidth = 2;
        ctx.strokeRect(x + 1, y + 1, g.w - 2, g.h - 2);
      }
    }
    if (hover && hover.index < cells.length) {
      const x = (hover.index % g.cols) * (g.w + g.gap);
      const y = Math.floor(hover.index / g.cols) * (g.h + g.gap);
      ctx.strokeStyle = '#3056d3';
      ctx.lineWidth = 2;
      ctx.strokeRect(x + 1, y + 1, g.w - 2, g.h - 2);
    }
    const frame = requestAnimationFrame(() => painted.current());
    return () => cancelAnimationFrame(frame);
  }, [cells, width, height, g.cols, g.w, g.h, g.gap, g.labels, selection, hover]);

  const indexAt = (e: MouseEvent<HTMLCanvasElement>): number | null => {
    const r = e.currentTarget.getBoundingClientRect();
    const x = e.clientX - r.left;
    const y = e.clientY - r.top;
    const col = Math.floor(x / (g.w + g.gap));
    const row = Math.floor(y / (g.h + g.gap));
    if (col >= g.cols || x - col * (g.w + g.gap) > g.w || y - row * (g.h + g.gap) > g.h) return null;
    const i = row * g.cols + col;
    return i >= 0 && i < cells.length ? i : null;
  };

  const hovered = hover && hover.index < cells.length ? cells[hover.index] : null;
  return (
    <div className="heatmap-canvas" ref={wrap}>
      <canvas
        ref={canvas}
        data-testid="heatmap-canvas"
        data-cols={g.cols}
        data-cell-w={g.w}
        data-cell-h={g.h}
        data-gap={g.gap}
        data-cells={cells.length}
        style={{ width: `${width}px`, height: `${height}px`, cursor: hovered ? 'pointer' : 'default' }}
        onMouseMove={(e) => {
          const i = indexAt(e);
          const r = e.currentTarget.getBoundingClientRect();
          setHover(i === null ? null : { index: i, x: e.clientX - r.left, y: e.clientY - r.top });
          if (drag && i !== null && i !== drag.anchor) {
            setDrag({ anchor: drag.anchor, moved: true });
            onSelect({ from: drag.anchor, to: i });
          }
        }}
        onMouseLeave={() => setHover(null)}
        onMouseDown={(e) => {
          const i = indexAt(e);
          if (i === null || !e.shiftKey) return;
          e.preventDefault();
          const from = anchor ?? i;
          setDrag({ anchor: from, moved: false });
          if (anchor === null) setAnchor(i);
          onSelect({ from, to: i });
        }}
        onMouseUp={() => setDrag(null)}
        onClick={(e) => {
          const i = indexAt(e);
          if (i === null || e.shiftKey) return;
          setAnchor(null);
          onActivate(i);
        }}
      />
      {hovered && hover ? (
        <div className="heatmap-tooltip" data-testid="heatmap-tooltip" style={{ left: Math.min(hover.x + 14, Math.max(0, width - 230)), top: hover.y + 16 }}>
          <div className="tt-title">
            {hovered.partition ? hovered.firstKey : hovered.label}
            <span className="muted"> · {fmtInt(hovered.count)} partition{hovered.count === 1 ? '' : 's'}</span>
          </div>
          <div className="tt-mix">
            {STATUSES.map((s) => (hovered.counts[s] > 0 ? <span key={s} style={{ flex: hovered.counts[s], background: STATUS_COLOURS[s] }} /> : null))}
          </div>
          <table>
            <tbody>
              {STATUSES.filter((s) => hovered.counts[s] > 0).map((s) => (
                <tr key={s} data-status={s}>
                  <td>
                    <i style={{ background: STATUS_COLOURS[s] }} /> {STATUS_LABELS[s]}
                  </td>
                  <td className="num">{fmtInt(hovered.counts[s])}</td>
                  <td className="num muted">{((hovered.counts[s] / (hovered.counts.total || 1)) * 100).toFixed(1)}%</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="muted tt-hint">{hovered.partition ? 'click: forensics' : 'click: drill down'} · shift-click/drag: select</div>
        </div>
      ) : null}
    </div>
  );
}
