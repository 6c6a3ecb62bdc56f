import { readFileSync } from 'node:fs';
import type { IdentifierSystems } from '../../mappers/contract.js';
import { qd130Format } from '../../mappers/qd130/index.js';
import type { ParsedTable } from '../../mappers/qd130/tables.js';
import { mapSource, TEST_SYSTEMS, type GoldenRecord } from './formats.js';

export { TEST_SYSTEMS } from './formats.js';

/** One QĐ 130 episode after the pure stages: the golden view of it and every parsed table. */
export interface Qd130Episode {
  mapping: GoldenRecord;
  tables: ParsedTable[];
}

/** Read a whole envelope (string) and map every HOSO, as the ingest pipeline does while streaming. */
export function mapEnvelope(xml: string, systems: IdentifierSystems = TEST_SYSTEMS, pieces?: number[]): Qd130Episode[] {
  return mapSource(qd130Format, xml, { systems, ...(pieces ? { pieces } : {}) })
    .map(({ golden, item }) => ({ mapping: golden, tables: item.payload as ParsedTable[] }));
}

/** Read a fixture as text. */
export function fixture(path: string): string {
  return readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
}
