/**
 * The roster extract the province receives from the national population database (docs/registry.md
 * columns), with the drift real extracts have: people not in it yet, names spelled in upper case,
 * decomposed (NFD) or without diacritics (still the same name), old people with a birth year only.
 * Infants without a CCCD and foreigners are never in it. `padRegistry` makes rows of other people so
 * the table reaches a realistic size for the throughput figure.
 */
import { familyName, stripDiacritics, upperName, vietnameseName } from './names.js';
import { OTHER_PROVINCES } from './places.js';
import { Random, UniqueNumbers } from './random.js';
import type { Person, Province } from './types.js';

/** One roster row, by the roster's own column names. */
export interface RegistryRow {
  SO_CCCD: string;
  HO_TEN: string;
  NGAY_SINH: string;
  GIOI_TINH: '1' | '2';
  MA_TINH: string;
  MA_XA: string;
  /** Previous numbers joined with `|`. */
  SO_CCCD_CU: string;
}

/** The roster's column order. */
export const REGISTRY_COLUMNS: ReadonlyArray<keyof RegistryRow> = ['SO_CCCD', 'HO_TEN', 'NGAY_SINH', 'GIOI_TINH', 'MA_TINH', 'MA_XA', 'SO_CCCD_CU'];

/** How the extract differs from the people (shares of the people with a CCCD). */
export interface RegistryDrift {
  /** Not in the extract yet (their records cannot be verified). */
  missingShare: number;
  /** Names in upper case (the registry's usual form). */
  upperCaseShare: number;
  /** Names stored decomposed (NFD): the roster import folds them back to NFC. */
  nfdShare: number;
  /** Names without diacritics. */
  noDiacriticsShare: number;
  /** Of the people born before 1960: only the birth year is on file. */
  yearOnlyShare: number;
}

/** Defaults of the drift. */
export const DEFAULT_DRIFT: RegistryDrift = { missingShare: 0.01, upperCaseShare: 0.6, nfdShare: 0.02, noDiacriticsShare: 0.02, yearOnlyShare: 0.3 };

/** The extract and what the drift did to whom. */
export interface RegistryExtract {
  rows: RegistryRow[];
  /** Ids of people with a CCCD who are not in the extract. */
  missing: Set<string>;
  /** Ids of people whose row has the birth year only. */
  yearOnly: Set<string>;
  drift: RegistryDrift;
}

/** Whether a person has a row (a CCCD, and the drift did not leave them out). */
export function inRegistry(extract: RegistryExtract, person: Person): boolean {
  return person.cccd !== undefined && !extract.missing.has(person.id);
}

/** The roster rows the province receives for its people (deterministic for the province's seed). */
export function registryExtract(province: Province, opts: { drift?: Partial<RegistryDrift> } = {}): RegistryExtract {
  const drift = { ...DEFAULT_DRIFT, ...opts.drift };
  const r = new Random(province.seed ^ 0x5eed_0001);
  const out: RegistryExtract = { rows: [], missing: new Set(), yearOnly: new Set(), drift };
  for (const p of province.people) {
    if (!p.cccd) continue;
    if (r.chance(drift.missingShare)) {
      out.missing.add(p.id);
      continue;
    }
    const yearOnly = p.birthDate < '1960' && r.chance(drift.yearOnlyShare);
    if (yearOnly) out.yearOnly.add(p.id);
    out.rows.push({
      SO_CCCD: p.cccd, HO_TEN: registrySpelling(r, p.name, drift), NGAY_SINH: yearOnly ? p.birthDate.slice(0, 4) : p.birthDate,
      GIOI_TINH: p.gender === 'male' ? '1' : '2', MA_TINH: '51', MA_XA: p.commune, SO_CCCD_CU: (p.previousCccd ?? []).join('|'),
    });
  }
  return out;
}

function registrySpelling(r: Random, name: string, drift: RegistryDrift): string {
  let n = r.chance(drift.noDiacriticsShare) ? stripDiacritics(name) : name;
  if (r.chance(drift.upperCaseShare)) n = upperName(n);
  return r.chance(drift.nfdShare) ? n.normalize('NFD') : n;
}

/**
 * `n` roster rows of people of other provinces (birth-registration codes no resident has, so no
 * number collides with the province's), generated lazily and fast.
 */
export function* padRegistry(n: number, seed: number): Generator<RegistryRow> {
  const r = new Random(seed ^ 0x5eed_0002);
  const numbers = new UniqueNumbers(r, 6);
  for (let i = 0; i < n; i++) {
    const province = OTHER_PROVINCES[i % OTHER_PROVINCES.length]!;
    const gender = r.chance(0.5) ? 'male' : 'female';
    const year = 1930 + r.int(0, 94);
    const century = Math.floor((year - 1900) / 100) * 2 + (gender === 'female' ? 1 : 0);
    const date = `${year}-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`;
    yield {
      SO_CCCD: numbers.next(`${province}${century}${String(year % 100).padStart(2, '0')}`),
      HO_TEN: upperName(vietnameseName(r, familyName(r), gender, year)), NGAY_SINH: date, GIOI_TINH: gender === 'male' ? '1' : '2',
      MA_TINH: province.slice(1), MA_XA: String(10000 + r.int(0, 89999)), SO_CCCD_CU: '',
    };
  }
}
