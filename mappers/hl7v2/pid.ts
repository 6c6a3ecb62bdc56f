import type { PersonFacts } from '../contract.js';
import { quoteValue } from '../shared/quote.js';
import { parseHl7Dtm } from './dtm.js';
import { repetitionsOf, textAt, type Er7Segment, type Er7Separators } from './er7.js';
import type { Hl7Issues } from './message.js';
import { pid3Identifiers } from './pid-ids.js';
import { xpnName } from './xpn.js';

/** PID-8 administrative sex (HL7 table 0001): M, F; O, U, A, N are kept as unknown (the facts have no "other"). */
const SEX: Record<string, 'male' | 'female' | 'unknown'> = { M: 'male', F: 'female', O: 'unknown', U: 'unknown', A: 'unknown', N: 'unknown' };

/** The person of a PID segment plus the facility's own patient number (PID-3 MR/PI, also `person.patientNumber`). */
export interface PidFacts {
  person: PersonFacts;
  patientNumber?: string;
}

/**
 * PID → person facts (HL7 v2.5.1 §3.4.2): PID-3 identifiers told apart by CX-5 (`pid-ids.ts`),
 * PID-5 name, PID-7 birth date, PID-8 sex, PID-11 address, PID-13 phone. The CCCD goes in `cccd`
 * with field `PID-3` so the identity stage keys the Patient exactly as for claim XML. PID-6 and
 * PID-21 (the mother) are read with NK1 by `guardian.ts`.
 */
export function pidPerson(pid: Er7Segment, seps: Er7Separators, issues: Hl7Issues, unmapped: string[]): PidFacts {
  const person: PersonFacts = { cccd: { value: '', field: 'PID-3' }, cards: [], cardField: 'PID-3' };
  const patientNumber = pid3Identifiers(pid, seps, person, unmapped);
  const reps = repetitionsOf(pid, 3, seps);
  if (reps.length === 0) issues.add('SCHEMA', 'PID-3', 'PID-3 (patient identifier list) is required and missing', '101');

  const name = xpnName(pid, 5, seps);
  if (name) person.name = name;
  else issues.add('SCHEMA', 'PID-5', 'PID-5 (patient name) is required and missing', '101');

  const birthRaw = textAt(pid, 7, seps);
  const birth = parseHl7Dtm(birthRaw);
  if (birth) person.birth = birth;
  else if (birthRaw) issues.add('SCHEMA', 'PID-7', `PID-7 (date of birth) ${quoteValue(birthRaw)} is not an HL7 DTM (YYYY[MM[DD[HHMM[SS]]]])`, '102');

  const sexRaw = textAt(pid, 8, seps)?.toUpperCase();
  if (sexRaw && SEX[sexRaw]) person.gender = SEX[sexRaw];
  else if (sexRaw) issues.add('SCHEMA', 'PID-8', `PID-8 (administrative sex) ${quoteValue(sexRaw)} is not a code of HL7 table 0001 (M, F, O, U, A, N)`, '103');

  // PID-11 XAD: street ^ other designation ^ city ^ state or province (first repetition).
  const address = [1, 2, 3, 4].map((comp) => textAt(pid, 11, seps, { comp })).filter(Boolean).join(', ');
  if (address) person.address = { text: address };
  // PID-13 XTN: the number is XTN-1 (v2.3) or XTN-12 unformatted telephone number (v2.5).
  const phone = textAt(pid, 13, seps, { comp: 1 }) ?? textAt(pid, 13, seps, { comp: 12 });
  if (phone) person.phone = phone;

  for (const n of [9, 10, 12, 14, 15, 16, 17, 18, 19, 20, 22, 23, 24, 25, 26, 27, 28, 29, 30]) {
    if (pid.fields[n]) unmapped.push(`PID-${n}`);
  }
  return { person, ...(patientNumber ? { patientNumber } : {}) };
}
