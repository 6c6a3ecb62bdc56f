import type { FhirResource } from 'fhir/r4.js';
import type { Db } from '../db/pool.js';
import { withTypeFirst } from './search.repo.js';

/** One version of a resource: its content unless it is the deletion. */
export interface StoredVersion {
  type: string;
  id: string;
  version: number;
  deleted: boolean;
  lastUpdated: Date;
  resource?: FhirResource;
}

function toVersion(row: { resource_type: string; id: string; version: number; deleted: boolean; last_updated: Date; content: FhirResource }): StoredVersion {
  return {
    type: row.resource_type, id: row.id, version: row.version, deleted: row.deleted, lastUpdated: new Date(row.last_updated),
    ...(row.deleted ? {} : { resource: withTypeFirst(row.content) }),
  };
}

const COLUMNS = 'resource_type, id, version, deleted, last_updated, content';

/** The current version of a resource (a deleted one included, without content); undefined if never stored. */
export async function readCurrent(db: Db, type: string, id: string): Promise<StoredVersion | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM fhir_resources WHERE resource_type = $1 AND id = $2`, [type, id]);
  return rows[0] ? toVersion(rows[0]) : undefined;
}

/** One version (vread: http://hl7.org/fhir/R4/http.html#vread), current or earlier. */
export async function readVersion(db: Db, type: string, id: string, version: number): Promise<StoredVersion | undefined> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM fhir_resources WHERE resource_type = $1 AND id = $2 AND version = $3
     UNION ALL SELECT ${COLUMNS} FROM fhir_resource_history WHERE resource_type = $1 AND id = $2 AND version = $3 LIMIT 1`,
    [type, id, version],
  );
  return rows[0] ? toVersion(rows[0]) : undefined;
}

/**
 * Versions newest first (http://hl7.org/fhir/R4/http.html#history): of one resource when `id` is
 * given, else of every resource of the type; `since` keeps those updated at or after it. The total
 * is counted for one resource only (a type's whole history is not counted on every page).
 */
export async function readHistory(
  db: Db,
  q: { type: string; id?: string; since?: Date; count: number; offset: number },
): Promise<{ versions: StoredVersion[]; total?: number }> {
  const params: unknown[] = [q.type, q.id ?? null, q.since?.toISOString() ?? null];
  const where = 'resource_type = $1 AND ($2::text IS NULL OR id = $2) AND ($3::timestamptz IS NULL OR last_updated >= $3)';
  const { rows } = await db.query(
    `(SELECT ${COLUMNS} FROM fhir_resources WHERE ${where} ORDER BY last_updated DESC, version DESC LIMIT ${q.count + q.offset})
     UNION ALL
     (SELECT ${COLUMNS} FROM fhir_resource_history WHERE ${where} ORDER BY last_updated DESC, version DESC LIMIT ${q.count + q.offset})
     ORDER BY last_updated DESC, version DESC, id LIMIT ${q.count} OFFSET ${q.offset}`,
    params,
  );
  let total: number | undefined;
  if (q.id) {
    const { rows: [n] } = await db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM fhir_resources WHERE ${where})::int + (SELECT count(*) FROM fhir_resource_history WHERE ${where})::int AS n`,
      params,
    );
    total = n!.n;
  }
  return { versions: rows.map(toVersion), ...(total !== undefined ? { total } : {}) };
}
