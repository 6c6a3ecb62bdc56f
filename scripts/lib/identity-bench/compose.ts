/**
 * The clean rows of the feed: infants' first-six-month doses (enough infants for the quota of doses
 * filed under the mother), then doses of everyone else drawn by age (small children most, women of
 * child-bearing age for tetanus, fewer adults), each at a plausible facility and date in the year
 * before the reference day. Rounds are months of that year.
 */
import { cleanIdentity, PatientNumbers, withMother, type Draft } from './draft.js';
import { communes, facilities, type Commune } from './places.js';
import { dayOf, type Random } from './random.js';
import type { Person, Province } from './types.js';
import { doseForAge, infantSchedule, lotNumber, type InfantDose } from './vaccines.js';

/** Rounds of clean rows (months); duplicates are sent in one more round after them. */
export const MONTH_ROUNDS = 12;
const WINDOW_DAYS = 365;

const COMMUNES: ReadonlyMap<string, Commune> = new Map(communes.map((c) => [c.code, c]));
const PRIVATE = facilities.filter((f) => f.kind === 'private').map((f) => f.code);

/** Shared state of one composition. */
export interface Composer {
  random: Random;
  province: Province;
  numbers: PatientNumbers;
  refDay: number;
  drafts: Draft[];
}

/** The month round of a dose day. */
export function roundOf(c: Composer, day: number): number {
  const start = c.refDay - WINDOW_DAYS + 1;
  return Math.min(MONTH_ROUNDS - 1, Math.max(0, Math.floor(((day - start) * MONTH_ROUNDS) / WINDOW_DAYS)));
}

function districtFacility(person: Person): string {
  return COMMUNES.get(person.commune)!.district.facility;
}

function pickFacility(r: Random, person: Person, ageYears: number, at?: InfantDose['at']): string {
  if (person.passport) return r.chance(0.8) ? r.pick(PRIVATE) : '51001';
  if (at === 'birth') return r.chance(0.6) ? '51002' : districtFacility(person);
  if (at === 'private') return r.pick(PRIVATE);
  const x = r.float();
  if (ageYears < 18) return x < 0.7 ? districtFacility(person) : x < 0.95 ? r.pick(PRIVATE) : '51002';
  return x < 0.55 ? districtFacility(person) : x < 0.7 ? '51001' : r.pick(PRIVATE);
}

function addDraft(c: Composer, person: Person, day: number, facility: string, vaccine: Draft['vaccine'], dose: number): Draft {
  const draft: Draft = {
    n: c.drafts.length, person, facility, day, vaccine, dose, lot: lotNumber(c.random, vaccine), round: roundOf(c, day),
    kinds: [], id: cleanIdentity(c.random, person, facility, c.numbers), identifier: '',
  };
  c.drafts.push(draft);
  return draft;
}

/**
 * Infants' doses until `quota` of them could be filed under the mother: every dose of an infant
 * without a CCCD, and the doses before its birth was registered of one with a CCCD.
 * Returns the drafts that may be filed under the mother (those without a CCCD first).
 */
export function composeInfants(c: Composer, quota: number, budget: number): Draft[] {
  const r = c.random;
  const infants = r.shuffle(c.province.people.filter((p) => p.infant));
  const forced: Draft[] = [];
  const possible: Draft[] = [];
  for (const infant of infants) {
    if (forced.length + possible.length >= quota || c.drafts.length >= budget) break;
    const mother = c.province.byId.get(infant.motherId!)!;
    const birth = dayOf(infant.birthDate);
    const registeredAt = infant.cccd ? r.int(10, 60) : Infinity;
    for (const d of infantSchedule(r, c.refDay - birth + 1)) {
      const draft = addDraft(c, infant, birth + d.day, pickFacility(r, infant, 0, d.at), d.vaccine, d.dose);
      if (!infant.cccd) forced.push(draft);
      else if (d.day < registeredAt) possible.push(Object.assign(draft, { beforeRegistration: true }));
      else if (r.chance(0.6)) withMother(r, draft.id, mother);
    }
  }
  return [...forced, ...possible];
}

function weightOf(p: Person, refDay: number): number {
  if (p.infant) return 0;
  if (p.passport) return 0.5;
  const age = (refDay - dayOf(p.birthDate)) / 365.25;
  if (age < 1) return 8;
  if (age < 6) return 4;
  if (age < 18) return 1.2;
  if (p.gender === 'female' && age < 45) return 1;
  return 0.35;
}

/** `count` doses of people other than infants, drawn by age; a child's row names the mother sometimes. */
export function composeOthers(c: Composer, count: number): void {
  const r = c.random;
  const people = c.province.people;
  const cumulative = new Float64Array(people.length);
  let total = 0;
  people.forEach((p, i) => { total += weightOf(p, c.refDay); cumulative[i] = total; });
  for (let k = 0; k < count; k++) {
    const person = people[lowerBound(cumulative, r.float() * total)]!;
    const birth = dayOf(person.birthDate);
    const day = r.int(Math.max(c.refDay - WINDOW_DAYS + 1, birth + 1), c.refDay);
    const age = (day - birth) / 365.25;
    const { vaccine, dose } = doseForAge(r, age, person.gender);
    const draft = addDraft(c, person, day, pickFacility(r, person, age), vaccine, dose);
    const mother = person.motherId ? c.province.byId.get(person.motherId) : undefined;
    if (age < 6 && mother?.cccd && r.chance(0.3)) withMother(r, draft.id, mother);
  }
}

function lowerBound(xs: Float64Array, x: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
