import type { Db } from '../db/pool.js';

/**
 * What the person index did in a period, for the monthly report beside the linkage counts: persons
 * created by kind, identity operations (re-keys of infants, merges, moves), and the records that
 * are waiting for a person's decision now.
 */
export async function identityStats(db: Db, from: Date, to: Date) {
  const persons = await db.query<{ kind: string; n: number }>(
    'SELECT kind, count(*)::int AS n FROM persons WHERE created_at >= $1 AND created_at < $2 GROUP BY kind', [from, to],
  );
  const events = await db.query<{ action: string; n: number; records: number }>(
    'SELECT action, count(*)::int AS n, coalesce(sum(records), 0)::int AS records FROM identity_events WHERE at >= $1 AND at < $2 GROUP BY action', [from, to],
  );
  const waiting = await db.query<{ status: string; category: string | null; n: number }>(
    "SELECT status, category, count(*)::int AS n FROM records WHERE status IN ('held', 'unverified') GROUP BY status, category",
  );
  const kinds = Object.fromEntries(['citizen', 'infant', 'foreigner', 'matched'].map((k) => [k, 0])) as Record<string, number>;
  for (const r of persons.rows) kinds[r.kind] = r.n;
  const operations = Object.fromEntries(['rekey', 'merge', 'move'].map((a) => [a, { operations: 0, records: 0 }])) as Record<string, { operations: number; records: number }>;
  for (const r of events.rows) operations[r.action] = { operations: r.n, records: r.records };
  const held: Record<string, number> = {};
  let unverified = 0;
  for (const r of waiting.rows) {
    if (r.status === 'unverified') unverified += r.n;
    else held[r.category ?? 'IDENTITY_REVIEW'] = (held[r.category ?? 'IDENTITY_REVIEW'] ?? 0) + r.n;
  }
  return { personsCreated: kinds, operations, waitingNow: { held, unverified } };
}
