import { getTableConfig } from 'drizzle-orm/pg-core';
import { storageSchema } from '../src/index.ts';
for (const t of Object.values(storageSchema.schema)) {
  const c = getTableConfig(t);
  console.log(c.name, c.columns.map((col) => [col.name, col.getSQLType(), col.notNull, col.hasDefault, col.primary, col.columnType]).map(String).join(' | '));
  console.log('  pk', c.primaryKeys.map((p) => [p.getName(), p.columns.map((x) => x.name)]), 'idx', c.indexes.map((i) => [i.config.name, i.config.unique, i.config.columns.map((x) => (x as { name?: string }).name)]));
}
