import { bigserial, timestamp } from 'drizzle-orm/pg-core';

/** A bigserial primary key, read as a JS number (ids stay below 2^53). */
export const id = () => bigserial({ mode: 'number' }).primaryKey();
/** A timestamp with time zone, read as a Date. */
export const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
