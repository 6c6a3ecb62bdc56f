/**
 * Errors put into clean rows by quota: each kind takes exactly `rate × rows` rows among those it
 * can apply to (a re-issued number needs a person with one, a day/month swap a day ≤ 12, …),
 * one error per row, lost diacritics on top. Rows of infants, foreigners and people missing from
 * the registry extract stay clean, so every injected row has one known cause.
 */
import type { Draft } from './draft.js';
import { stripDiacritics, typoName, upperName } from './names.js';
import { dayOf, weightedTable, type Random } from './random.js';
import { QUOTA_ORDER, type InjectedKind, type InjectionRates } from './rates.js';
import { inRegistry, type RegistryExtract } from './registry.js';
import type { Person } from './types.js';

/** What injections need besides the rows. */
export interface InjectContext {
  random: Random;
  registry: RegistryExtract;
  rows: number;
  rates: InjectionRates;
  byId: ReadonlyMap<string, Person>;
}

type QuotaKind = (typeof QUOTA_ORDER)[number];

/** How a malformed CCCD was damaged: Excel's (the mapper refuses, never repairs) or a typist's. */
export type MalformedVariant = 'swap' | 'leading-zero' | 'scientific' | 'spaces' | 'province' | 'extra-digit';
const MALFORMED = weightedTable<MalformedVariant>([['swap', 30], ['leading-zero', 20], ['scientific', 15], ['spaces', 10], ['province', 10], ['extra-digit', 15]]);
/** 3-digit codes that are no birth-registration province (TT 07/2016 skips them). */
const UNKNOWN_PROVINCES = ['050', '053', '055', '057', '059', '061', '063'];
const CARD_GROUPS = ['GD4', 'DN4', 'HC4', 'HX4', 'NO3'];

function ageAtDose(d: Draft): number {
  return (d.day - dayOf(d.person.birthDate)) / 365.25;
}

const KINDS: Record<QuotaKind, { eligible: (d: Draft, c: InjectContext) => boolean; apply: (d: Draft, c: InjectContext) => void }> = {
  'reissued-cccd': { eligible: (d) => !!d.person.previousCccd?.length, apply: (d) => { d.id.cccd = d.person.previousCccd![0]!; } },
  'cmnd-only': {
    eligible: (d) => !!d.person.cmnd,
    apply: (d, c) => {
      const inCccd = c.random.chance(0.3);
      Object.assign(d.id, { cccd: inCccd ? d.person.cmnd! : '', cmnd: inCccd ? '' : d.person.cmnd!, bhyt: '' });
      d.detail = inCccd ? 'in-cccd-column' : 'cmnd-column';
    },
  },
  'dob-swap': {
    eligible: (d, c) => { const [, m, day] = d.person.birthDate.split('-').map(Number); return day! <= 12 && day !== m && !c.registry.yearOnly.has(d.person.id); },
    apply: (d) => { const [y, m, day] = d.person.birthDate.split('-'); d.id.birthDate = `${y}-${day}-${m}`; },
  },
  'bhyt-only': {
    eligible: (d) => !!d.person.bhyt,
    apply: (d, c) => {
      const renewed = c.random.chance(0.2);
      Object.assign(d.id, { cccd: '', cmnd: '', bhyt: renewed ? `${c.random.pick(CARD_GROUPS)}${d.person.bhyt!.slice(3)}` : d.person.bhyt! });
      if (renewed) d.detail = 'renewed-card';
    },
  },
  'wrong-century': {
    // Not on young children: a woman's century digit on a child's row reads as an infant under the mother.
    eligible: (d) => ageAtDose(d) >= 6,
    apply: (d) => { const s = d.id.cccd; d.id.cccd = `${s.slice(0, 3)}${(Number(s[3]) + 2) % 4}${s.slice(4)}`; },
  },
  'wrong-gender': { eligible: () => true, apply: (d) => { d.id.gender = d.id.gender === 'male' ? 'female' : 'male'; } },
  'malformed-cccd': {
    eligible: () => true,
    apply: (d, c) => {
      const variant = c.random.weighted(MALFORMED);
      d.id.cccd = malformed(c.random, d.id.cccd, variant);
      d.detail = variant;
    },
  },
  'missing-cccd': { eligible: () => true, apply: (d) => { Object.assign(d.id, { cccd: '', cmnd: '', bhyt: '' }); } },
  'typed-name': { eligible: () => true, apply: (d, c) => { d.id.name = typoName(c.random, d.id.name); } },
};

/** The CCCD damaged one way. */
export function malformed(r: Random, cccd: string, variant: MalformedVariant): string {
  switch (variant) {
    case 'swap': {
      const at = [6, 7, 8, 9, 10].filter((i) => cccd[i] !== cccd[i + 1]);
      const i = at.length ? r.pick(at) : 6;
      return `${cccd.slice(0, i)}${cccd[i + 1]}${cccd[i]}${cccd.slice(i + 2)}`;
    }
    case 'leading-zero': return cccd.slice(1);
    case 'scientific': return `${cccd[1]},${cccd.slice(2, 7)}E+${cccd.length - 2}`;
    case 'spaces': return `${cccd.slice(0, 3)} ${cccd.slice(3, 6)} ${cccd.slice(6)}`;
    case 'province': return `${r.pick(UNKNOWN_PROVINCES)}${cccd.slice(3)}`;
    case 'extra-digit': { const i = r.int(4, 11); return `${cccd.slice(0, i)}${cccd[i]}${cccd.slice(i)}`; }
  }
}

function isPlain(d: Draft, c: InjectContext): boolean {
  return d.kinds.length === 0 && !d.person.infant && !d.person.passport && inRegistry(c.registry, d.person);
}

function take(c: InjectContext, drafts: readonly Draft[], kind: InjectedKind, eligible: (d: Draft) => boolean): Draft[] {
  const pool = drafts.filter(eligible);
  return c.random.shuffle(pool).slice(0, Math.round(c.rates[kind] * c.rows));
}

/** Fill every quota of QUOTA_ORDER, then lost diacritics (on any row but typed names and foreigners). */
export function injectErrors(c: InjectContext, drafts: readonly Draft[]): void {
  for (const kind of QUOTA_ORDER) {
    for (const d of take(c, drafts, kind, (x) => isPlain(x, c) && KINDS[kind].eligible(x, c))) {
      KINDS[kind].apply(d, c);
      d.kinds.push(kind);
    }
  }
  const strippable = (d: Draft) => !d.kinds.includes('typed-name') && !d.person.passport && stripDiacritics(d.id.name) !== d.id.name;
  for (const d of take(c, drafts, 'lost-diacritics', strippable)) {
    d.id.name = stripDiacritics(d.id.name);
    d.kinds.push('lost-diacritics');
  }
}

/** File infants' doses under the mother: her CCCD, the child's birth date and sex, a typed placeholder or the child's name. */
export function fileUnderMother(c: InjectContext, candidates: readonly Draft[]): void {
  const r = c.random;
  for (const d of candidates.slice(0, Math.round(c.rates['infant-under-mother'] * c.rows))) {
    const mother = c.byId.get(d.person.motherId!)!;
    const x = r.float();
    const name = x < 0.35 ? `Con bà ${mother.name}` : x < 0.55 ? `CB ${upperName(mother.name)}` : x < 0.65 ? `Con chị ${mother.name.split(' ').pop()}` : d.person.name;
    Object.assign(d.id, { cccd: mother.cccd!, name, bhyt: '', cmnd: '', mrn: '', guardianCccd: '', guardianName: '', guardianRelationship: '' });
    if (r.chance(0.5)) Object.assign(d.id, { guardianCccd: mother.cccd!, guardianName: mother.name, guardianRelationship: r.chance(0.6) ? 'mẹ' : '' });
    d.kinds.push('infant-under-mother');
    d.detail = x < 0.65 ? 'placeholder-name' : 'child-name';
  }
}
