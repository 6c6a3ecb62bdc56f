import type { PersonFacts, RecordFacts } from '../mappers/contract.js';
import type { PersonIdentifier } from './person-index.repo.js';
import type { MatchSubject } from './match-score.js';
import { decodeCccd, isCccdProblem } from './cccd.js';
import { foldName } from './names.js';

/** Vietnamese nationality codes (QĐ 130 MA_QUOCTICH `000`, TT 07/2016 Phụ lục 2; ISO VN/VNM/704). */
const VIETNAMESE = new Set(['000', 'VN', 'VNM', '704']);
/** Longest identifier or name key the index stores (btree keys must stay small). */
const MAX_KEY_CHARS = 120;
/** A BHYT card number is 15 characters; its last 10 digits are the social-insurance number (QĐ 1351/QĐ-BHXH). */
const CARD = /^[A-Z]{2}\d{13}$/;

/** The person's social-insurance numbers, from their BHYT cards. */
export function bhxhNumbers(person: PersonFacts): string[] {
  return [...new Set(person.cards.map((c) => c.value.replace(/\s+/g, '').toUpperCase()).filter((c) => CARD.test(c)).map((c) => c.slice(5)))];
}

/** The old 9-digit CMND the record carries (its own field, or sent in the CCCD field). */
export function cmndOf(person: PersonFacts): string | undefined {
  const sent = person.cccd.value.replace(/\s+/g, '');
  return person.otherIds?.find((i) => i.type === 'cmnd')?.value ?? (/^\d{9}$/.test(sent) ? sent : undefined);
}

/**
 * A foreigner's passport: sent as such (HL7 `PPN`, a CSV passport column), or a number that is not
 * a CCCD in the ID field of a person whose nationality is not Vietnamese (QĐ 130 SO_CCCD holds the
 * passport of a foreigner).
 */
export function passportOf(person: PersonFacts): string | undefined {
  const sent = person.otherIds?.find((i) => i.type === 'passport')?.value;
  if (sent) return sent.toUpperCase();
  const value = person.cccd.value.replace(/\s+/g, '').toUpperCase();
  const foreign = person.nationality !== undefined && !VIETNAMESE.has(person.nationality.toUpperCase());
  return foreign && /^[A-Z0-9]{6,12}$/.test(value) && !/^\d{12}$/.test(value) ? value : undefined;
}

/** The facility's own number for the person (PID-3 `MR`, MA_BN). */
export function patientNumberOf(facts: RecordFacts): { facility: string; value: string } | undefined {
  const value = facts.person?.patientNumber ?? facts.encounter?.patientNumber;
  return value ? { facility: facts.facility, value } : undefined;
}

/** The person's details as matching compares them. */
export function matchSubjectOf(facts: RecordFacts, person: PersonFacts): MatchSubject {
  const bhxh = bhxhNumbers(person)[0];
  const cmnd = cmndOf(person);
  const passport = passportOf(person);
  const patientNumber = patientNumberOf(facts);
  // A 12-digit number of a known province is someone's CCCD even when it disagrees with the record:
  // a candidate holding another CCCD is then never linked.
  const sent = person.cccd.value.replace(/\s+/g, '');
  const decoded = /^\d{12}$/.test(sent) ? decodeCccd(sent) : undefined;
  return {
    ...(decoded && !isCccdProblem(decoded) ? { cccd: sent } : {}),
    ...(bhxh ? { bhytSocial: bhxh } : {}),
    ...(cmnd ? { cmnd } : {}),
    ...(passport ? { passport } : {}),
    ...(patientNumber ? { patientNumber } : {}),
    ...(person.name ? { name: person.name } : {}),
    ...(person.birth ? { birthDate: person.birth.fhirDate.slice(0, 10) } : {}),
    ...(person.gender ? { gender: person.gender } : {}),
    ...(person.address?.ward ? { commune: person.address.ward } : {}),
  };
}

/** Identifiers a record teaches the index besides its key: BHYT cards with their periods, BHXH numbers, CMND, previous CCCDs, the facility's number. */
export function learnedIdentifiers(facts: RecordFacts, person: PersonFacts): PersonIdentifier[] {
  const ids: PersonIdentifier[] = [];
  for (const card of person.cards) {
    const value = card.value.replace(/\s+/g, '').toUpperCase();
    if (!value) continue;
    ids.push({ system: 'bhyt', value, ...(card.from ? { periodStart: card.from.slice(0, 10) } : {}), ...(card.to ? { periodEnd: card.to.slice(0, 10) } : {}) });
  }
  for (const bhxh of bhxhNumbers(person)) ids.push({ system: 'bhxh', value: bhxh });
  const cmnd = cmndOf(person);
  if (cmnd) ids.push({ system: 'cmnd', value: cmnd, state: 'previous' });
  for (const id of person.otherIds ?? []) if (id.type === 'previous-cccd') ids.push({ system: 'cccd', value: id.value, state: 'previous' });
  const number = patientNumberOf(facts);
  if (number) ids.push({ system: `patient-number/${number.facility}`, value: number.value });
  // Identifiers are index keys: absurdly long values are left out, malformed periods dropped.
  return ids.filter((i) => i.value.length <= MAX_KEY_CHARS && i.system.length <= MAX_KEY_CHARS).map((i) => {
    const ok = (d?: string) => d === undefined || /^\d{4}-\d{2}-\d{2}$/.test(d);
    if (ok(i.periodStart) && ok(i.periodEnd)) return i;
    const { periodStart: _s, periodEnd: _e, ...rest } = i;
    return rest;
  });
}

/** What matching blocks on, from the record. */
export function demographicsOf(person: PersonFacts): { nameKey: string | null; birthDate: string | null; gender: string | null; commune: string | null } {
  return {
    // Bounded: a blocking key, never a record of the name (a 400 KB HO_TEN must not break the index).
    nameKey: person.name ? foldName(person.name.slice(0, MAX_KEY_CHARS * 2)).slice(0, MAX_KEY_CHARS) || null : null,
    birthDate: person.birth ? person.birth.fhirDate.slice(0, 10) : null,
    gender: person.gender ?? null,
    commune: person.address?.ward?.slice(0, 20) ?? null,
  };
}
