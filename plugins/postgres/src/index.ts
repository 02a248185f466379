export { closePostgres, postgres, postgresSink } from './plugin.js';
export { tableSource, type TableSourceOptions } from './table-source.js';
export { tableSink, type TableSink, type TableSinkOptions } from './table-sink.js';
export type { KeyFormat } from './identifiers.js';
