import type pg from 'pg';
import type { DataKeyring } from '../../../db/encryption.js';
import { badRequest } from '../../../errors/outcome.js';
import { isMonth, vnDay } from '../../../reporting/period.js';

/** What the pages read with: the pool, the keyring that opens kept facts, the clock, the reporting month's first day. */
export interface PageDeps {
  pool: pg.Pool;
  keyring: DataKeyring | null;
  clock: () => Date;
  monthStartDay: number;
}

/** The `month` of a page's query (`YYYY-MM`), by default the current month in Vietnam time. */
export function monthOf(query: Record<string, unknown>, now: Date): string {
  const m = query.month;
  if (m === undefined || m === '') return vnDay(now).slice(0, 7);
  if (!isMonth(m)) throw badRequest('month must be YYYY-MM', ['month']);
  return m;
}

/** The query without the dashboard's own parameters (`lang`) and without empty form fields. */
export function filterParams(query: Record<string, unknown>, drop: readonly string[] = []): Record<string, unknown> {
  return Object.fromEntries(Object.entries(query).filter(([k, v]) => k !== 'lang' && !drop.includes(k) && v !== ''));
}
