import type { Db } from './pool.js';

/** Linkage counts of one facility over a period (Huế report Bảng 2, Quảng Ngãi Phụ lục 01 categories). */
export interface FacilityStats {
  facility: string;
  received: number;
  linked: number;
  rejected: number;
  failed: number;
  pending: number;
  categories: Record<string, number>;
}

/**
 * Per-facility counts of records received in [from, to). `received = linked + rejected + failed + pending`
 * holds by construction: every record is in exactly one status.
 */
export async function facilityStats(db: Db, from: Date, to: Date, facility?: string): Promise<FacilityStats[]> {
  const { rows } = await db.query(
    `SELECT facility, status, category, count(*)::int AS n
       FROM records
      WHERE received_at >= $1 AND received_at < $2 AND ($3::text IS NULL OR facility = $3)
      GROUP BY facility, status, category
      ORDER BY facility`,
    [from, to, facility ?? null],
  );
  const byFacility = new Map<string, FacilityStats>();
  for (const r of rows) {
    let s = byFacility.get(r.facility);
    if (!s) {
      s = { facility: r.facility, received: 0, linked: 0, rejected: 0, failed: 0, pending: 0, categories: {} };
      byFacility.set(r.facility, s);
    }
    s.received += r.n;
    if (r.status === 'accepted') s.pending += r.n;
    else s[r.status as 'linked' | 'rejected' | 'failed'] += r.n;
    if (r.status === 'rejected' && r.category) s.categories[r.category] = (s.categories[r.category] ?? 0) + r.n;
    if (r.status === 'failed') s.categories.LINK_FAILED = (s.categories.LINK_FAILED ?? 0) + r.n;
  }
  return [...byFacility.values()];
}
