import { fileURLToPath } from 'node:url';

export const TEST_TMP_ROOT = fileURLToPath(new URL('../.tmp/', import.meta.url));
export const TEMPLATE_PGDATA = fileURLToPath(new URL('../.tmp/pglite-template/', import.meta.url));
