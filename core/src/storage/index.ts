export * from './types.js';
export * as storageSchema from './schema.js';
export { ProvenanceStore } from './store.js';
export { textOrderedAssets } from './ordered-assets.js';
export { migrate, readMigrations, MIGRATIONS_FOLDER, type Migration } from './migrate.js';
export { pgDatabase, pgliteDatabase, type SqlClient, type SqlDatabase } from './sql-client.js';
export { checkStoredText } from './validate.js';
export { copyField, copyLine, copyStatement, type CopyValue } from './copy-text.js';
export { EDGE_COLUMNS, MATERIALIZATION_COLUMNS, edgeLines, materializationLines } from './materialization-rows.js';
