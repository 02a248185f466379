import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import type { AssetSnapshot, PlannerSnapshot } from '@weft/core';

const COLUMNS = ['status', 'materialized', 'token', 'dataVersion', 'codeVersionId', 'verifiedSeq', 'changedSeq'] as const;
type Column = (typeof COLUMNS)[number];

/** Writes a planner snapshot as a JSON header line followed by its typed-array columns. */
export function writeSnapshot(path: string, snapshot: PlannerSnapshot): void {
  const header = {
    cursor: snapshot.cursor,
    dynamicKeys: snapshot.dynamicKeys,
    requests: snapshot.requests,
    assets: snapshot.assets.map((a) => ({
      assetKey: a.assetKey,
      count: a.count,
      codeVersions: a.codeVersions,
      failures: a.failures,
      running: a.running,
      checkFailures: a.checkFailures,
      bytes: COLUMNS.map((c) => a[c].byteLength),
    })),
  };
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, `${JSON.stringify(header)}\n`);
    for (const a of snapshot.assets) for (const c of COLUMNS) writeSync(fd, new Uint8Array(a[c].buffer, a[c].byteOffset, a[c].byteLength));
  } finally {
    closeSync(fd);
  }
}

/** Reads a snapshot written by {@link writeSnapshot}, each column straight into its own typed array. */
export function readSnapshot(path: string): PlannerSnapshot {
  const fd = openSync(path, 'r');
  try {
    let headerText = '';
    let position = 0;
    const chunk = Buffer.alloc(1 << 16);
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, position);
      const newline = chunk.subarray(0, n).indexOf(10);
      if (newline >= 0) {
        headerText += chunk.subarray(0, newline).toString('utf8');
        position += newline + 1;
        break;
      }
      if (n === 0) throw new Error(`${path}: no snapshot header`);
      headerText += chunk.subarray(0, n).toString('utf8');
      position += n;
    }
    const header = JSON.parse(headerText) as {
      cursor: number;
      dynamicKeys: Record<string, string[]>;
      requests: PlannerSnapshot['requests'];
      assets: Array<Omit<AssetSnapshot, Column> & { bytes: number[] }>;
    };
    const read = <T extends Uint8Array | Uint16Array | Float64Array>(array: T): T => {
      readSync(fd, new Uint8Array(array.buffer, array.byteOffset, array.byteLength), 0, array.byteLength, position);
      position += array.byteLength;
      return array;
    };
    const assets = header.assets.map(({ bytes, ...meta }) => {
      const [status, materialized, token, dataVersion, codeVersionId, verifiedSeq, changedSeq] = bytes as [number, number, number, number, number, number, number];
      return {
        ...meta,
        status: read(new Uint8Array(status)),
        materialized: read(new Uint8Array(materialized)),
        token: read(new Uint8Array(token)),
        dataVersion: read(new Uint8Array(dataVersion)),
        codeVersionId: read(new Uint16Array(codeVersionId / 2)),
        verifiedSeq: read(new Float64Array(verifiedSeq / 8)),
        changedSeq: read(new Float64Array(changedSeq / 8)),
      } satisfies AssetSnapshot;
    });
    return { cursor: header.cursor, dynamicKeys: header.dynamicKeys, requests: header.requests, assets };
  } finally {
    closeSync(fd);
  }
}
