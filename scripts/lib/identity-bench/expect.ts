/**
 * What a correct gateway does with each row (docs/identity-benchmark.md, "Expected outcomes").
 * Rows without a usable CCCD can be placed only by an identifier the person index already holds
 * for that person: a BHXH number (BHYT card), a CMND, or the facility's patient number with the full
 * birth date. The index learns those from rows it linked, so the rows are walked in posting order
 * and a row counts as "known" only by what rows of earlier rounds taught.
 */
import type { Draft } from './draft.js';
import { inRegistry, type RegistryExtract } from './registry.js';
import type { Expectation, TruthRow } from './types.js';

/** What the index has learned about one person so far. */
interface Learned {
  bhxh: boolean;
  cmnd: boolean;
  mrnAt: Set<string>;
}

/** Kinds whose rows go to matching (no usable CCCD) and may link by a known identifier. */
const FALLBACK = new Set(['missing-cccd', 'cmnd-only', 'bhyt-only', 'wrong-century']);
/** Malformed CCCDs that reach matching; Excel damage is refused by the CSV mapper, a swap is a wrong number. */
const MALFORMED_TO_MATCHING = new Set(['province', 'extra-digit']);
const EXCEL_DAMAGE = new Set(['leading-zero', 'scientific', 'spaces']);

/** Walks the rows round by round, keeping what the index would have learned. */
export class ExpectationWalker {
  private readonly learned = new Map<string, Learned>();

  constructor(private readonly registry: RegistryExtract) {}

  /** Truth for every row, in posting order (`drafts` sorted by round); learning applies from the next round on. */
  truthOf(drafts: readonly Draft[], keyOf: (d: Draft) => string): TruthRow[] {
    const out: TruthRow[] = [];
    let i = 0;
    while (i < drafts.length) {
      const round = drafts[i]!.round;
      const start = i;
      while (i < drafts.length && drafts[i]!.round === round) i++;
      const batch = drafts.slice(start, i);
      const truths = batch.map((d) => this.truth(d, keyOf));
      batch.forEach((d, k) => { if (truths[k]!.expect === 'link' && !d.kinds.includes('infant-under-mother')) this.learn(d); });
      out.push(...truths);
    }
    return out;
  }

  private truth(d: Draft, keyOf: (d: Draft) => string): TruthRow {
    const base = { rowKey: keyOf(d), truePersonId: d.person.id, injected: [...d.kinds], ...(d.detail ? { detail: d.detail } : {}) };
    const { expect, acceptable, note } = this.decide(d);
    if (note) base.detail = base.detail ? `${base.detail}:${note}` : note;
    if (d.duplicateOf) return { ...base, expect, acceptable, duplicateOf: keyOf(d.duplicateOf) };
    if (!d.person.passport && d.kinds.every((k) => k === 'lost-diacritics') && !inRegistry(this.registry, d.person)) base.injected.push('not-in-registry');
    return { ...base, expect, acceptable };
  }

  private decide(d: Draft): { expect: Expectation; acceptable: Expectation[]; note?: string } {
    const errors = d.kinds.filter((k) => k !== 'lost-diacritics' && k !== 'duplicate');
    const kind = errors[0];
    const reject = (also: Expectation[], note?: string) => ({ expect: 'reject' as const, acceptable: ['reject' as const, ...also], ...(note ? { note } : {}) });
    if (!kind) {
      // Clean (or only diacritics lost): a foreigner by passport, a citizen verified by the registry; not in the extract → not found.
      if (!d.person.passport && !inRegistry(this.registry, d.person)) return reject(['hold', 'link']);
      return { expect: 'link', acceptable: ['link'] };
    }
    if (kind === 'infant-under-mother' || kind === 'reissued-cccd') return { expect: 'link', acceptable: ['link'] };
    if (kind === 'typed-name' || kind === 'dob-swap' || kind === 'wrong-gender') return reject(['hold']);
    if (kind === 'malformed-cccd' && EXCEL_DAMAGE.has(d.detail ?? '')) return reject([]);
    if (kind === 'malformed-cccd' && !MALFORMED_TO_MATCHING.has(d.detail ?? '')) return reject(['hold', 'link']);
    if (FALLBACK.has(kind) || kind === 'malformed-cccd') {
      const how = this.knownBy(d);
      return how ? { expect: 'link', acceptable: ['link'], note: `known-by-${how}` } : reject(['hold', 'link'], 'unknown');
    }
    return { expect: 'link', acceptable: ['link'] };
  }

  /** The identifier by which the index would place this row deterministically, if any. */
  private knownBy(d: Draft): 'bhxh' | 'cmnd' | 'patient-number' | undefined {
    const l = this.learned.get(d.person.id);
    if (!l) return undefined;
    if (d.id.bhyt && l.bhxh) return 'bhxh';
    if ((d.id.cmnd || /^\d{9}$/.test(d.id.cccd)) && l.cmnd) return 'cmnd';
    // Rule (e) needs both birth dates exact: never when the registry has the year only.
    if (d.id.mrn && l.mrnAt.has(d.facility) && !this.registry.yearOnly.has(d.person.id)) return 'patient-number';
    return undefined;
  }

  private learn(d: Draft): void {
    let l = this.learned.get(d.person.id);
    if (!l) this.learned.set(d.person.id, (l = { bhxh: false, cmnd: false, mrnAt: new Set() }));
    if (d.id.bhyt) l.bhxh = true;
    if (d.id.cmnd || /^\d{9}$/.test(d.id.cccd)) l.cmnd = true;
    if (d.id.mrn) l.mrnAt.add(d.facility);
  }
}
