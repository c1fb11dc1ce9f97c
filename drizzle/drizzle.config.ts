// drizzle-kit: generates the SQL migrations in this folder from src/request-log/schema.ts and src/keys/schema.ts (never hand-edit them).
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/request-log/schema.ts', './src/keys/schema.ts'],
  out: './drizzle',
});
