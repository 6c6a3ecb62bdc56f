/**
 * The vaccination feed of the synthetic province with its ground truth: clean rows composed
 * (compose.ts), infants filed under the mother, errors injected by quota (inject.ts), duplicates
 * sent again in a last round, sorted into posting order, and the expected outcome of each row
 * (expect.ts).
 */
import { composeInfants, composeOthers, MONTH_ROUNDS, type Composer } from './compose.js';
import { cellsOf } from './cells.js';
import { cleanIdentity, PatientNumbers, type Draft } from './draft.js';
import { ExpectationWalker } from './expect.js';
import { fileUnderMother, injectErrors, type InjectContext } from './inject.js';
import { facilities } from './places.js';
import { dayOf, Random } from './random.js';
import { DEFAULT_RATES, type InjectionRates } from './rates.js';
import { inRegistry, registryExtract, type RegistryExtract } from './registry.js';
import type { Feed, FeedRow, Province } from './types.js';

/** How the feed is made. */
export interface FeedOptions {
  /** Rows in all (duplicates included). */
  records: number;
  /** Shares of rows per injected kind; missing kinds take DEFAULT_RATES. */
  rates?: Partial<InjectionRates>;
  /** The extract the gateway verifies against (default: `registryExtract(province)`). */
  registry?: RegistryExtract;
  /** Prefix of every immunization identifier (default `IB<seed>-`): a run on a used database picks its own. */
  idPrefix?: string;
}

/** Same-facility resends keep the row; other copies come from another facility (its own identifier and number). */
function duplicate(c: Composer, original: Draft, numbers: PatientNumbers): Draft {
  const r = c.random;
  const copy: Draft = { ...original, n: c.drafts.length, round: MONTH_ROUNDS, kinds: ['duplicate', ...original.kinds], id: { ...original.id }, duplicateOf: original };
  if (r.chance(0.5)) {
    const others = facilities.filter((f) => f.code !== original.facility && f.kind !== 'maternity');
    copy.facility = r.pick(others).code;
    const fresh = cleanIdentity(r, original.person, copy.facility, numbers);
    Object.assign(copy.id, { mrn: fresh.mrn, bhyt: fresh.bhyt });
    copy.detail = 'other-facility';
  } else {
    copy.detail = 'resend';
  }
  c.drafts.push(copy);
  return copy;
}

function addDuplicates(c: Composer, ctx: InjectContext, count: number): void {
  const eligible = c.drafts.filter((d) => d.kinds.every((k) => k === 'lost-diacritics') && !d.person.infant && !d.person.passport && inRegistry(ctx.registry, d.person));
  for (const original of c.random.shuffle(eligible).slice(0, count)) duplicate(c, original, c.numbers);
}

function postingOrder(a: Draft, b: Draft): number {
  return a.round - b.round || (a.facility < b.facility ? -1 : a.facility > b.facility ? 1 : 0) || a.day - b.day || a.n - b.n;
}

/** The feed: `records` rows in posting order, their cells and their truth (deterministic for the province's seed). */
export function feed(province: Province, opts: FeedOptions): Feed {
  const rates: InjectionRates = { ...DEFAULT_RATES, ...opts.rates };
  const registry = opts.registry ?? registryExtract(province);
  const random = new Random(province.seed ^ 0xfeed_0001);
  const c: Composer = { random, province, numbers: new PatientNumbers(), refDay: dayOf(province.referenceDate), drafts: [] };
  const duplicates = Math.round(rates.duplicate * opts.records);
  const ctx: InjectContext = { random, registry, rows: opts.records, rates, byId: province.byId };
  const underMother = composeInfants(c, Math.round(rates['infant-under-mother'] * opts.records), opts.records - duplicates);
  composeOthers(c, Math.max(0, opts.records - duplicates - c.drafts.length));
  fileUnderMother(ctx, underMother);
  injectErrors(ctx, c.drafts);
  addDuplicates(c, ctx, duplicates);
  const prefix = opts.idPrefix ?? `IB${province.seed}-`;
  for (const d of c.drafts) d.identifier = d.duplicateOf && d.detail === 'resend' ? '' : `${prefix}${d.n}`;
  for (const d of c.drafts) if (!d.identifier) d.identifier = d.duplicateOf!.identifier;
  const ordered = [...c.drafts].sort(postingOrder);
  const keyOf = (d: Draft) => `R${province.seed}-${String(d.n).padStart(7, '0')}`;
  const truth = new ExpectationWalker(registry).truthOf(ordered, keyOf);
  const rows: FeedRow[] = ordered.map((d) => ({ rowKey: keyOf(d), facility: d.facility, round: d.round, cells: cellsOf(random, d) }));
  return { rows, truth, rounds: MONTH_ROUNDS + 1 };
}
