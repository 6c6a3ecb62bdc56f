import type { PersonFacts } from '../contract.js';
import { quoteValue } from '../shared/quote.js';
import { parseHl7Dtm } from './dtm.js';
import { repetitionsOf, textAt, type Er7Segment, type Er7Separators } from './er7.js';
import type { Hl7Issues } from './message.js';

/**
 * PID-3 identifier type (CX-5, HL7 table 0203) → what the identifier is: NI (national unique
 * individual identifier) or the local `CCCD` → citizen ID; SB (social beneficiary) or HC (health
 * card) → BHYT card; MR (medical record) or PI (patient internal) → the facility's patient number.
 */
const CX_TYPES: Record<string, 'cccd' | 'bhyt' | 'patientNumber'> = {
  NI: 'cccd', CCCD: 'cccd', SB: 'bhyt', HC: 'bhyt', MR: 'patientNumber', PI: 'patientNumber',
};

/** PID-8 administrative sex (HL7 table 0001): M, F; O, U, A, N are kept as unknown (the facts have no "other"). */
const SEX: Record<string, 'male' | 'female' | 'unknown'> = { M: 'male', F: 'female', O: 'unknown', U: 'unknown', A: 'unknown', N: 'unknown' };

/** The person of a PID segment plus the facility's own patient number (PID-3 MR/PI). */
export interface PidFacts {
  person: PersonFacts;
  patientNumber?: string;
}

/**
 * PID → person facts (HL7 v2.5.1 §3.4.2): PID-3 identifiers told apart by CX-5, PID-5 name,
 * PID-7 birth date, PID-8 sex, PID-11 address, PID-13 phone. The CCCD goes in `cccd` with field
 * `PID-3` so the identity stage keys the Patient exactly as for claim XML.
 */
export function pidPerson(pid: Er7Segment, seps: Er7Separators, issues: Hl7Issues, unmapped: string[]): PidFacts {
  const person: PersonFacts = { cccd: { value: '', field: 'PID-3' }, cards: [], cardField: 'PID-3' };
  let patientNumber: string | undefined;
  const reps = repetitionsOf(pid, 3, seps);
  reps.forEach((_, i) => {
    const cx = { id: 'PID', fields: ['PID', '', '', reps[i]!] } satisfies Er7Segment;
    const id = textAt(cx, 3, seps);
    const type = textAt(cx, 3, seps, { comp: 5 })?.toUpperCase();
    const kind = type ? CX_TYPES[type] : undefined;
    if (!id) return;
    if (kind === 'cccd' && !person.cccd.value) person.cccd.value = id;
    else if (kind === 'bhyt') {
      const from = parseHl7Dtm(textAt(cx, 3, seps, { comp: 7 }))?.fhirDate;
      const to = parseHl7Dtm(textAt(cx, 3, seps, { comp: 8 }))?.fhirDate;
      person.cards.push({ value: id, ...(from ? { from } : {}), ...(to ? { to } : {}) });
    } else if (kind === 'patientNumber' && !patientNumber) patientNumber = id;
    else if (!kind) unmapped.push(`PID-3(${type ?? 'no CX-5 type'})`);
  });
  if (reps.length === 0) issues.add('SCHEMA', 'PID-3', 'PID-3 (patient identifier list) is required and missing', '101');

  const name = [textAt(pid, 5, seps, { comp: 1 }), textAt(pid, 5, seps, { comp: 3 }), textAt(pid, 5, seps, { comp: 2 })].filter(Boolean).join(' ');
  if (name) person.name = name.replace(/\s+/g, ' ');
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

  for (const n of [6, 9, 10, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]) {
    if (pid.fields[n]) unmapped.push(`PID-${n}`);
  }
  return { person, ...(patientNumber ? { patientNumber } : {}) };
}
