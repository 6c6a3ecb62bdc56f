import type { PersonFacts } from '../contract.js';
import { repetitionsOf, textAt, type Er7Segment, type Er7Separators } from './er7.js';
import { location, segmentsOf, type Hl7Message } from './message.js';
import { xpnName } from './xpn.js';

/** The mother or guardian of the person, as the facts carry them. */
export type Guardian = NonNullable<PersonFacts['guardian']>;

/** NK1-3 relationship (HL7 table 0063): MTH mother, FTH father; GRD guardian and every other code → guardian. */
const RELATIONSHIP_0063: Record<string, Guardian['relationship']> = { MTH: 'mother', FTH: 'father' };
/** NK1 fields read here; any other NK1 field present is listed as unmapped. */
const NK1_READ = new Set([0, 1, 2, 3, 33]);
const CCCD_DIGITS = /^\d{12}$/;

/** The first CX-1 of a repeating CX field that is a 12-digit CCCD, and whether the field held any id at all. */
function cccdOf(seg: Er7Segment, n: number, seps: Er7Separators): { cccd?: string; sent: boolean } {
  const ids = repetitionsOf(seg, n, seps)
    .map((rep) => textAt({ id: seg.id, fields: [seg.id, rep] }, 1, seps))
    .filter((id): id is string => !!id);
  const cccd = ids.find((id) => CCCD_DIGITS.test(id));
  return { ...(cccd ? { cccd } : {}), sent: ids.length > 0 };
}

/**
 * The mother from PID (HL7 v2.5.1 §3.4.2): PID-21 mother's identifier (CX; a 12-digit CX-1 is her
 * CCCD) and PID-6 mother's maiden name (XPN, her name: Vietnamese women keep their name). A PID-21
 * with no 12-digit value is listed as unmapped (a guardian carries a CCCD only).
 */
function pidMother(pid: Er7Segment, seps: Er7Separators, unmapped: string[]): Guardian | undefined {
  const { cccd, sent } = cccdOf(pid, 21, seps);
  if (sent && !cccd) unmapped.push('PID-21');
  const name = xpnName(pid, 6, seps);
  if (!cccd && !name) return undefined;
  return { ...(cccd ? { cccd } : {}), ...(name ? { name } : {}), relationship: 'mother', field: cccd ? 'PID-21' : 'PID-6' };
}

/**
 * The next of kin (HL7 v2.5.1 §3.4.5, NK1): NK1-2 name (XPN, family first), NK1-3 relationship
 * (table 0063), NK1-33 identifiers (CX; a 12-digit CX-1 is the CCCD). The first NK1 that is the
 * mother wins, else the first that names anyone. The field is `NK1-33` when the CCCD came from it,
 * else `NK1-2` (`NK1[2]-33` for the second NK1).
 */
function nk1Guardian(msg: Hl7Message, unmapped: string[]): Guardian | undefined {
  const { seps } = msg;
  const found: Guardian[] = [];
  segmentsOf(msg, 'NK1').forEach((nk1, i) => {
    const occurrence = i + 1;
    nk1.fields.forEach((value, n) => {
      if (value && !NK1_READ.has(n)) unmapped.push(location('NK1', occurrence, n));
    });
    const { cccd, sent } = cccdOf(nk1, 33, seps);
    if (sent && !cccd) unmapped.push(location('NK1', occurrence, 33));
    const name = xpnName(nk1, 2, seps);
    if (!cccd && !name) return;
    const code = textAt(nk1, 3, seps, { comp: 1 })?.toUpperCase() ?? '';
    found.push({
      ...(cccd ? { cccd } : {}), ...(name ? { name } : {}),
      relationship: RELATIONSHIP_0063[code] ?? 'guardian',
      field: location('NK1', occurrence, cccd ? 33 : 2),
    });
  });
  return found.find((g) => g.relationship === 'mother') ?? found[0];
}

/**
 * The mother or guardian a message names (VXU and ADT alike): the mother of PID-21 / PID-6 first;
 * an NK1 only when PID names no mother, or to complete her (CCCD or name) when it is an NK1 of the
 * mother too. The field names where the CCCD came from (else the name).
 */
export function hl7Guardian(msg: Hl7Message, pid: Er7Segment, unmapped: string[]): Guardian | undefined {
  const mother = pidMother(pid, msg.seps, unmapped);
  const kin = nk1Guardian(msg, unmapped);
  if (!mother) return kin;
  if (kin?.relationship !== 'mother') return mother;
  const cccd = mother.cccd ?? kin.cccd;
  const name = mother.name ?? kin.name;
  return { ...(cccd ? { cccd } : {}), ...(name ? { name } : {}), relationship: 'mother', field: mother.cccd || !kin.cccd ? mother.field : kin.field };
}
