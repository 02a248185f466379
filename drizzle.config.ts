import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate` writes a new SQL migration into migrations/ from core's schema.
// Released migrations are never edited: change the schema and generate a new one.
export default defineConfig({
  dialect: 'postgresql',
  schema: './store/src/schema.ts',
  out: './migrations',
});
