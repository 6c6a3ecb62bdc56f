/**
 * Where a run went wrong, for the person reading it: rows that did not end correctly, grouped by
 * what was injected (and how) and what the gateway did (outcome and category), largest first.
 */
import { judge, majorityOwners, type RecordOutcome } from './evaluate.js';
import type { TruthRow } from './types.js';

/** One group of rows that ended wrong. */
export interface MissGroup {
  /** e.g. `bhyt-only/known-by-bhxh (expected link) → reject CCCD_MISSING`. */
  what: string;
  rows: number;
  example: string;
}

/** The groups of rows `evaluate` does not count as correct, largest first (at most `limit`). */
export function missGroups(truth: readonly TruthRow[], outcomes: ReadonlyMap<string, RecordOutcome>, limit = 15): MissGroup[] {
  const owners = majorityOwners(truth, outcomes);
  const groups = new Map<string, MissGroup>();
  for (const t of truth) {
    const { kind, rightPerson, correct } = judge(t, outcomes, owners);
    if (correct) continue;
    const o = outcomes.get(t.rowKey);
    const outcome = kind === 'link' ? (rightPerson ? 'link (right person, but not acceptable here)' : 'link to the WRONG PERSON') : `${kind}${o?.category ? ` ${o.category}` : ''}`;
    const what = `${t.injected.join('+') || 'clean'}${t.detail ? `/${t.detail}` : ''} (expected ${t.expect}) → ${outcome}`;
    const g = groups.get(what) ?? { what, rows: 0, example: t.rowKey };
    g.rows += 1;
    groups.set(what, g);
  }
  return [...groups.values()].sort((a, b) => b.rows - a.rows).slice(0, limit);
}
