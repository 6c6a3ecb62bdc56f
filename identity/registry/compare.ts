import { compareBirthDates, compareNames } from '../names.js';
import type { RegistryPerson, Verification, VerificationField, VerifyQuery } from './port.js';

/**
 * Compare what a record says about a person with the registry's row for their CCCD.
 *
 * - name: must agree at least as a `variant` (equal once case, spacing, diacritics, đ/d and
 *   NFC/NFD are folded); staff often type names without diacritics.
 * - birthDate: `exact` or `compatible` (a partial date `1990` / `1990-05` agrees with `1990-05-12`).
 * - gender: compared only when both sides know it (male/female); `unknown` agrees with anything.
 * - address: compared only when both sides have a province code, and then only the province.
 *   Commune codes were renumbered by the 2025 two-level reform (QĐ 19/2025/QĐ-TTg, 3,321 new
 *   communes), so a record coded before the reform and a roster coded after it differ on the
 *   commune for the same address: a commune difference alone is never a mismatch.
 *
 * A field the record does not carry is not compared. `fields` lists every disagreeing field in
 * the order name, birthDate, gender, address; a verdict other than not-found carries the person
 * (whose `cccd` is the current number, which differs from the query's when it was re-issued).
 */
export function compareWithRegistry(query: VerifyQuery, person: RegistryPerson): Verification {
  const fields: VerificationField[] = [];
  if (!namesAgree(query.name, person.name)) fields.push('name');
  if (!birthDatesAgree(query.birthDate, person.birthDate)) fields.push('birthDate');
  if (!gendersAgree(query.gender, person.gender)) fields.push('gender');
  if (!provincesAgree(query.address?.province, person.province)) fields.push('address');
  return fields.length === 0 ? { outcome: 'verified', person } : { outcome: 'mismatch', fields, person };
}

/** A blank or missing name on the record is not compared. */
function namesAgree(recorded: string | undefined, registered: string): boolean {
  if (!recorded?.trim()) return true;
  return compareNames(recorded, registered) !== 'different';
}

/** `undefined` from compareBirthDates means one side has no date: nothing to disagree on. */
function birthDatesAgree(recorded: string | undefined, registered: string): boolean {
  if (!recorded?.trim()) return true;
  return compareBirthDates(recorded, registered) !== 'different';
}

function gendersAgree(recorded: VerifyQuery['gender'], registered: RegistryPerson['gender']): boolean {
  if (!isKnownGender(recorded) || !isKnownGender(registered)) return true;
  return recorded === registered;
}

function isKnownGender(g: string | undefined): boolean {
  return g === 'male' || g === 'female';
}

/**
 * GSO province codes. Digit codes compare by value, so the 2-digit GSO code (`46`) agrees with the
 * 3-digit form some systems pad it to (`046`, the TT 07/2016 form); anything else compares as written.
 */
function provincesAgree(recorded: string | undefined, registered: string | undefined): boolean {
  const a = recorded?.trim();
  const b = registered?.trim();
  if (!a || !b) return true;
  if (/^[0-9]+$/.test(a) && /^[0-9]+$/.test(b)) return Number(a) === Number(b);
  return a === b;
}
