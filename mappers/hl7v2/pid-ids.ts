import type { PersonFacts } from '../contract.js';
import { parseHl7Dtm } from './dtm.js';
import { repetitionsOf, textAt, type Er7Segment, type Er7Separators } from './er7.js';

/** What a PID-3 repetition is, by its CX-5 identifier type. */
type IdKind = 'national' | 'cmnd' | 'passport' | 'bhyt' | 'patientNumber';

/**
 * PID-3 identifier type (CX-5, HL7 table 0203, plus local codes VN HIS send) → what the identifier
 * is: NI (national unique individual identifier), the local `CCCD` and NNVNM (national person
 * identifier, Vietnam) → national ID; the local `CMND` → the old ID card; PPN → passport; SB (social
 * beneficiary) or HC (health card) → BHYT card; MR (medical record) or PI (patient internal) → the
 * facility's patient number.
 */
const CX_TYPES: Record<string, IdKind> = {
  NI: 'national', CCCD: 'national', NNVNM: 'national', CMND: 'cmnd', PPN: 'passport',
  SB: 'bhyt', HC: 'bhyt', MR: 'patientNumber', PI: 'patientNumber',
};

const CCCD_DIGITS = /^\d{12}$/;
const CMND_DIGITS = /^\d{9}$/;

/** Add an other identifier once (the same type and value sent twice is one). */
function addOther(person: PersonFacts, id: NonNullable<PersonFacts['otherIds']>[number]): void {
  const list = (person.otherIds ??= []);
  if (!list.some((o) => o.type === id.type && o.value === id.value)) list.push(id);
}

/**
 * PID-3 (repeating CX) → the person's identifiers, told apart by CX-5. The CCCD (`person.cccd`,
 * field `PID-3`) is the first national ID of 12 digits, else the first national ID as sent (the
 * identity stage names what is wrong with it); a national ID of 9 digits, or one typed `CMND`, is
 * the old ID card (`otherIds` cmnd); another 12-digit national ID is a CCCD held before
 * (`previous-cccd`); `PPN` a passport. Other ids name their repetition, `PID-3[2]`. Returns the
 * facility's patient number (the first MR or PI), also set as `person.patientNumber`.
 */
export function pid3Identifiers(pid: Er7Segment, seps: Er7Separators, person: PersonFacts, unmapped: string[]): string | undefined {
  let patientNumber: string | undefined;
  const nationals: Array<{ id: string; type: string; field: string }> = [];
  repetitionsOf(pid, 3, seps).forEach((rep, i) => {
    const cx = { id: 'PID', fields: ['PID', '', '', rep] } satisfies Er7Segment;
    const id = textAt(cx, 3, seps);
    const type = textAt(cx, 3, seps, { comp: 5 })?.toUpperCase();
    const kind = type ? CX_TYPES[type] : undefined;
    const field = `PID-3[${i + 1}]`;
    if (!id) return;
    if (kind === 'national' && CMND_DIGITS.test(id)) addOther(person, { type: 'cmnd', value: id, field });
    else if (kind === 'national') nationals.push({ id, type: type!, field });
    else if (kind === 'cmnd') addOther(person, { type: 'cmnd', value: id, field });
    else if (kind === 'passport') addOther(person, { type: 'passport', value: id, field });
    else if (kind === 'bhyt') {
      const from = parseHl7Dtm(textAt(cx, 3, seps, { comp: 7 }))?.fhirDate;
      const to = parseHl7Dtm(textAt(cx, 3, seps, { comp: 8 }))?.fhirDate;
      person.cards.push({ value: id, ...(from ? { from } : {}), ...(to ? { to } : {}) });
    } else if (kind === 'patientNumber') patientNumber ??= id;
    else if (!kind) unmapped.push(`PID-3(${type ?? 'no CX-5 type'})`);
  });
  const cccd = nationals.find((n) => CCCD_DIGITS.test(n.id)) ?? nationals[0];
  if (cccd) person.cccd.value = cccd.id;
  for (const n of nationals) {
    if (n === cccd || n.id === cccd?.id) continue;
    if (CCCD_DIGITS.test(n.id)) addOther(person, { type: 'previous-cccd', value: n.id, field: n.field });
    else unmapped.push(`PID-3(${n.type})`);
  }
  if (patientNumber) person.patientNumber = patientNumber;
  return patientNumber;
}
