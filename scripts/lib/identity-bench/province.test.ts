import { beforeAll, describe, expect, it } from 'vitest';
import { checkCccdAgainstPerson, decodeCccd, isCccdProblem, type DecodedCccd } from '../../../identity/cccd.js';
import { detectInfantUnderMother } from '../../../identity/infants.js';
import { compareWithRegistry } from '../../../identity/registry/compare.js';
import type { RecordFacts } from '../../../mappers/contract.js';
import { fieldOfHeader } from '../../../mappers/csv/columns.js';
import { csvFormat, type CsvRow } from '../../../mappers/csv/index.js';
import { TEST_SYSTEMS } from '../../../test/helpers/formats.js';
import { DEFAULT_RATES, FEED_COLUMNS, feed, feedCsv, generateProvince, inRegistry, padRegistry, registryCsv, registryExtract } from './province.js';
import type { InjectedKind } from './rates.js';
import type { Feed, FeedRow, Province, TruthRow } from './types.js';

const YEAR_MS = 365.25 * 86_400_000;

/** The rows as the gateway's CSV mapper reads them. */
function mapRows(rows: readonly FeedRow[]): RecordFacts[] {
  const read: CsvRow[] = [];
  const reader = csvFormat.createReader((r) => read.push(r), { maxItems: 1_000_000, maxFieldChars: 10_000 }, { kind: 'immunization' });
  reader.write(feedCsv(rows));
  reader.end();
  return read.map((r) => csvFormat.mapItem(r, { systems: TEST_SYSTEMS, envelopeFacility: '51001', options: { kind: 'immunization' } }).facts);
}

describe('the synthetic province', () => {
  it('is the same for the same seed and different for another', () => {
    const a = generateProvince({ people: 3000, seed: 7 });
    const b = generateProvince({ people: 3000, seed: 7 });
    expect(b.people).toEqual(a.people);
    const fa = feed(a, { records: 2000 });
    const fb = feed(b, { records: 2000 });
    expect(feedCsv(fb.rows)).toBe(feedCsv(fa.rows));
    expect(fb.truth).toEqual(fa.truth);
    expect(registryCsv(registryExtract(b).rows)).toBe(registryCsv(registryExtract(a).rows));
    expect(generateProvince({ people: 3000, seed: 8 }).people.slice(0, 50)).not.toEqual(a.people.slice(0, 50));
  });

  it('has at least the people asked for, Nguyễn the most common family name, infants and foreigners', () => {
    const p = generateProvince({ people: 10_000, seed: 3 });
    expect(p.people.length).toBeGreaterThanOrEqual(10_000);
    expect(p.people.length).toBeLessThan(10_010);
    const nguyen = p.people.filter((x) => x.name.startsWith('Nguyễn ')).length / p.people.length;
    expect(nguyen).toBeGreaterThan(0.3);
    expect(nguyen).toBeLessThan(0.46);
    expect(p.people.filter((x) => x.infant).length).toBe(80);
    expect(p.people.filter((x) => x.passport && !x.cccd).length).toBe(30);
    expect(new Set(p.people.map((x) => x.commune)).size).toBeGreaterThan(150);
  });
});

describe('identifiers', () => {
  const p = generateProvince({ people: 20_000, seed: 1 });

  it('gives every CCCD (current and previous) the structure identity/cccd.ts checks, and no number twice', () => {
    const all: string[] = [];
    for (const x of p.people) {
      for (const cccd of [x.cccd, ...(x.previousCccd ?? [])]) {
        if (!cccd) continue;
        all.push(cccd);
        expect(checkCccdAgainstPerson(cccd, { birthYear: Number(x.birthDate.slice(0, 4)), gender: x.gender })).toBeUndefined();
      }
    }
    expect(new Set(all).size).toBe(all.length);
    expect(p.people.filter((x) => x.cccd?.startsWith('051')).length / all.length).toBeGreaterThan(0.8);
    expect(p.people.some((x) => x.previousCccd)).toBe(true);
  });

  it('gives BHYT cards to about 90 %, 15 characters ending in a unique 10-digit BHXH number, and 9-digit CMNDs', () => {
    const cards = p.people.flatMap((x) => (x.bhyt ? [x.bhyt] : []));
    expect(cards.length / p.people.length).toBeGreaterThan(0.85);
    expect(cards.length / p.people.length).toBeLessThan(0.95);
    for (const c of cards) expect(c).toMatch(/^[A-Z]{2}[1-5]51\d{10}$/);
    expect(new Set(cards.map((c) => c.slice(5))).size).toBe(cards.length);
    const cmnds = p.people.flatMap((x) => (x.cmnd ? [x.cmnd] : []));
    expect(cmnds.length).toBeGreaterThan(1000);
    for (const c of cmnds) expect(c).toMatch(/^\d{9}$/);
  });

  it('has mothers older than 15 at each child\'s birth, and infants under 6 months with and without their own CCCD', () => {
    const children = p.people.filter((x) => x.motherId);
    expect(children.length).toBeGreaterThan(3000);
    for (const child of children) {
      const mother = p.byId.get(child.motherId!)!;
      expect(mother.gender).toBe('female');
      expect(Date.parse(child.birthDate) - Date.parse(mother.birthDate)).toBeGreaterThan(15 * YEAR_MS);
    }
    const infants = p.people.filter((x) => x.infant);
    for (const i of infants) expect(Date.parse(p.referenceDate) - Date.parse(i.birthDate)).toBeLessThan(YEAR_MS / 2);
    expect(infants.filter((i) => i.cccd).length).toBeGreaterThan(infants.length / 4);
    expect(infants.filter((i) => !i.cccd).length).toBeGreaterThan(infants.length / 4);
  });
});

describe('the registry extract', () => {
  const p = generateProvince({ people: 20_000, seed: 1 });
  const extract = registryExtract(p);

  it('leaves out infants without a CCCD, foreigners and the drifted share; rows decode', () => {
    const ids = new Set(extract.rows.map((r) => r.SO_CCCD));
    expect(p.people.filter((x) => !x.cccd).every((x) => x.infant || x.passport)).toBe(true);
    expect(extract.missing.size / p.people.length).toBeGreaterThan(0.005);
    expect(extract.missing.size / p.people.length).toBeLessThan(0.015);
    for (const x of p.people) expect(ids.has(x.cccd ?? '')).toBe(inRegistry(extract, x));
    for (const r of extract.rows) expect(isCccdProblem(decodeCccd(r.SO_CCCD))).toBe(false);
    expect(extract.rows.some((r) => /^\d{4}$/.test(r.NGAY_SINH))).toBe(true);
    expect(extract.rows.some((r) => r.SO_CCCD_CU !== '')).toBe(true);
  });

  it('pads with people of other provinces whose numbers never collide with the province\'s', () => {
    const own = new Set(p.people.flatMap((x) => [x.cccd, ...(x.previousCccd ?? [])]));
    const padding = [...padRegistry(50_000, 1)];
    expect(padding.length).toBe(50_000);
    const numbers = new Set(padding.map((r) => r.SO_CCCD));
    expect(numbers.size).toBe(50_000);
    for (const n of numbers) expect(own.has(n)).toBe(false);
    for (const r of padding.slice(0, 1000)) expect(isCccdProblem(decodeCccd(r.SO_CCCD))).toBe(false);
  });
});

describe('the feed', () => {
  let province: Province;
  let f: Feed;
  let facts: RecordFacts[];
  const byKind = (kind: string) => f.truth.map((t, i) => ({ t, i })).filter(({ t }) => t.injected.includes(kind as InjectedKind));
  beforeAll(() => {
    province = generateProvince({ people: 20_000, seed: 1 });
    f = feed(province, { records: 20_000 });
    facts = mapRows(f.rows);
  });

  it('has the records asked for, unique keys, one truth per row, with the canonical columns of docs/formats/csv.md', () => {
    expect(f.rows.length).toBe(20_000);
    expect(f.truth.map((t) => t.rowKey)).toEqual(f.rows.map((r) => r.rowKey));
    expect(new Set(f.rows.map((r) => r.rowKey)).size).toBe(20_000);
    for (const column of FEED_COLUMNS) expect(fieldOfHeader('immunization', column), column).toBeDefined();
    expect(new Set(f.rows.map((r) => r.facility)).size).toBeGreaterThanOrEqual(15);
    for (const t of f.truth) expect(t.acceptable).toContain(t.expect);
  });

  it.each(Object.entries(DEFAULT_RATES))('injects %s within ±30 %% of its rate', (kind, rate) => {
    const share = byKind(kind).length / f.truth.length;
    expect(share).toBeGreaterThanOrEqual(rate * 0.7);
    expect(share).toBeLessThanOrEqual(rate * 1.3);
  });

  it('maps clean rows without an issue or an unmapped column, and Excel damage as CCCD_FORMAT', () => {
    f.truth.forEach((t, i) => {
      const issues = facts[i]!.issues.map((x) => x.category);
      if (t.injected.includes('malformed-cccd') && ['leading-zero', 'scientific', 'spaces'].includes(t.detail ?? '')) expect(issues).toEqual(['CCCD_FORMAT']);
      else expect(issues, t.rowKey).toEqual([]);
      expect(facts[i]!.unmapped, t.rowKey).toEqual([]);
    });
  });

  it('sends clean rows that the structure check and the registry comparison accept, and verification mismatches they refuse', () => {
    const rows = new Map(registryExtract(province).rows.map((r) => [r.SO_CCCD, r] as const));
    const prev = new Map(registryExtract(province).rows.flatMap((r) => (r.SO_CCCD_CU ? [[r.SO_CCCD_CU, r] as const] : [])));
    const verdict = (i: number) => {
      const person = facts[i]!.person!;
      const cccd = person.cccd.value;
      const reg = rows.get(cccd) ?? prev.get(cccd);
      if (!reg) return 'not_found';
      const v = compareWithRegistry({ cccd, name: person.name!, birthDate: person.birth!.fhirDate.slice(0, 10), gender: person.gender! },
        { cccd: reg.SO_CCCD, name: reg.HO_TEN.normalize('NFC'), birthDate: reg.NGAY_SINH, gender: reg.GIOI_TINH === '1' ? 'male' : 'female' });
      return v.outcome === 'mismatch' ? `mismatch:${v.fields.join(',')}` : v.outcome;
    };
    f.truth.forEach((t: TruthRow, i) => {
      const plain = t.injected.every((k) => k === 'lost-diacritics' || k === 'duplicate');
      const person = facts[i]!.person!;
      if (!plain || person.otherIds?.some((x) => x.type === 'passport')) return;
      const check = checkCccdAgainstPerson(person.cccd.value, { birthYear: person.birth!.year, gender: person.gender });
      expect(check, t.rowKey).toBeUndefined();
      expect(verdict(i), t.rowKey).toBe('verified');
    });
    for (const { i } of byKind('reissued-cccd')) expect(verdict(i)).toBe('verified');
    for (const { i } of byKind('not-in-registry')) expect(verdict(i)).toBe('not_found');
    for (const { i } of byKind('typed-name')) expect(verdict(i)).toBe('mismatch:name');
    for (const { i } of byKind('dob-swap')) expect(verdict(i)).toBe('mismatch:birthDate');
    const structural = (kind: string) => byKind(kind).map(({ i }) => checkCccdAgainstPerson(facts[i]!.person!.cccd.value, { birthYear: facts[i]!.person!.birth!.year, gender: facts[i]!.person!.gender })?.category);
    expect(new Set(structural('wrong-gender'))).toEqual(new Set(['CCCD_GENDER_MISMATCH']));
    expect(new Set(structural('wrong-century'))).toEqual(new Set(['CCCD_DOB_MISMATCH']));
    expect(new Set(structural('missing-cccd'))).toEqual(new Set(['CCCD_MISSING']));
  });

  it('files infants under the mother\'s CCCD so the identity stage recognises them, and links them to the infant', () => {
    const infants = byKind('infant-under-mother');
    expect(infants.length).toBeGreaterThan(0);
    for (const { t, i } of infants) {
      const baby = province.byId.get(t.truePersonId)!;
      const mother = province.byId.get(baby.motherId!)!;
      const person = facts[i]!.person!;
      expect(person.cccd.value).toBe(mother.cccd);
      expect(person.birth!.fhirDate).toBe(baby.birthDate);
      expect(t.expect).toBe('link');
      const decoded = decodeCccd(person.cccd.value) as DecodedCccd;
      expect(detectInfantUnderMother(facts[i]!, person.cccd.value, decoded), t.rowKey).toBeDefined();
    }
    expect(infants.some(({ i }) => /^(Con bà|CB) /.test(facts[i]!.person!.name!))).toBe(true);
    expect(infants.some(({ i }) => facts[i]!.person!.guardian?.cccd)).toBe(true);
  });

  it('sends duplicates after the rows they repeat, to the same person', () => {
    const at = new Map(f.truth.map((t, i) => [t.rowKey, i]));
    for (const { t, i } of byKind('duplicate')) {
      const original = at.get(t.duplicateOf!)!;
      expect(f.rows[original]!.round).toBeLessThan(f.rows[i]!.round);
      expect(f.truth[original]!.truePersonId).toBe(t.truePersonId);
    }
  });
});
