import type { Db } from '../../db/pool.js';
import type { SuccessionInput } from './model.js';

/** A code change that cannot be recorded: it would close a loop, or the old code already has another successor. */
export class SuccessionError extends Error {
  override name = 'SuccessionError' as const;
  constructor(readonly reason: 'cycle' | 'conflict', message: string) {
    super(message);
  }
}

/** What recording a code change stored. */
export interface SuccessionResult {
  oldCode: string;
  /** The current code the old one now counts under (the end of the chain). */
  newCode: string;
  effective: string;
  basis: string | null;
  /** Former codes that pointed at `oldCode` and now point at `newCode` as well. */
  redirected: string[];
}

/**
 * Record that `oldCode` became `newCode` (a merger, NĐ 188/2025), resolving chains on write so one
 * lookup finds the current code (counts.repo.ts): A→B then B→C stores A→C and B→C; C→A is then a
 * cycle and refused. An old code has one successor: naming another is refused; naming the same
 * again updates the date and basis. Run inside a transaction; the table is locked against
 * concurrent changes, so two writers cannot build a loop between them.
 */
export async function recordSuccession(db: Db, s: SuccessionInput): Promise<SuccessionResult> {
  await db.query('LOCK TABLE facility_successions IN SHARE ROW EXCLUSIVE MODE');
  if (s.oldCode === s.newCode) throw new SuccessionError('cycle', `${s.oldCode} cannot succeed itself`);
  const current = async (code: string) =>
    (await db.query<{ new_code: string }>('SELECT new_code FROM facility_successions WHERE old_code = $1', [code])).rows[0]?.new_code;
  const target = (await current(s.newCode)) ?? s.newCode;
  if (target === s.oldCode) {
    throw new SuccessionError('cycle', `${s.newCode} already counts under ${s.oldCode}${target === s.newCode ? '' : ` (via ${s.newCode} → ${target})`}: ${s.oldCode} → ${s.newCode} would make a loop`);
  }
  const existing = await current(s.oldCode);
  if (existing !== undefined && existing !== target) {
    throw new SuccessionError('conflict', `${s.oldCode} already counts under ${existing}; a code has one successor`);
  }
  await db.query(
    `INSERT INTO facility_successions (old_code, new_code, effective, basis) VALUES ($1, $2, $3::date, $4)
     ON CONFLICT (old_code) DO UPDATE SET effective = EXCLUDED.effective, basis = EXCLUDED.basis`,
    [s.oldCode, target, s.effective, s.basis],
  );
  const { rows } = await db.query<{ old_code: string }>(
    'UPDATE facility_successions SET new_code = $2 WHERE new_code = $1 RETURNING old_code',
    [s.oldCode, target],
  );
  return { oldCode: s.oldCode, newCode: target, effective: s.effective, basis: s.basis, redirected: rows.map((r) => r.old_code).sort() };
}
