import type { ImmunizationFacts, LocalCode } from '../contract.js';
import { quoteValue } from '../shared/quote.js';
import { parseHl7Dtm } from './dtm.js';
import { textAt, type Er7Segment, type Er7Separators } from './er7.js';
import { location, type Hl7Issues, type Hl7Message } from './message.js';

/**
 * RXA-5 coding systems (CE-3 / CE-6): `CVX` (HL7 table 0292, http://hl7.org/fhir/sid/cvx) and
 * `NIIS` for the national immunization system's VACXIN_ID (vn-health-data §6.3; this gateway's
 * documented name, docs/formats/hl7v2.md). Anything else is the site's local code.
 */
const CVX_SYSTEM = 'CVX';
const NIIS_SYSTEM = 'NIIS';

/**
 * RXA-20 completion status (HL7 table 0322): CP complete, PA partially administered → completed;
 * RE refused → not-done with v3-ActReason PATOBJ; NA not administered → not-done.
 */
const COMPLETION: Record<string, Pick<ImmunizationFacts, 'status'> & { reason?: string }> = {
  CP: { status: 'completed' }, PA: { status: 'completed' }, RE: { status: 'not-done', reason: 'PATOBJ' }, NA: { status: 'not-done' },
};

function ce(seg: Er7Segment | undefined, n: number, seps: Er7Separators): LocalCode | undefined {
  const code = textAt(seg, n, seps, { comp: 1 });
  if (!code) return undefined;
  const display = textAt(seg, n, seps, { comp: 2 });
  return { code, ...(display ? { display } : {}) };
}

/** RXA-5 → the vaccine: CVX or NIIS by CE-3 (or the alternate triplet CE-4..6), else a local code. */
function vaccineOf(rxa: Er7Segment, seps: Er7Separators): ImmunizationFacts['vaccine'] | undefined {
  const vaccine: ImmunizationFacts['vaccine'] = {};
  for (const [code, text, system] of [[1, 2, 3], [4, 5, 6]] as const) {
    const value = textAt(rxa, 5, seps, { comp: code });
    if (!value) continue;
    const name = textAt(rxa, 5, seps, { comp: text });
    const sys = textAt(rxa, 5, seps, { comp: system })?.toUpperCase();
    if (sys === CVX_SYSTEM && !vaccine.cvx) vaccine.cvx = value;
    else if (sys === NIIS_SYSTEM && !vaccine.national) vaccine.national = value;
    else if (!vaccine.local) vaccine.local = { code: value, ...(name ? { display: name } : {}) };
    if (name && !vaccine.text) vaccine.text = name;
  }
  return Object.keys(vaccine).length ? vaccine : undefined;
}

/**
 * One dose per RXA (HL7 v2.5.1 §4A.4.1, CDC IG for immunization messaging 2.5.1 §6): ORC-3 filler
 * order number (the ORC before the RXA) keys the dose; RXA-3 date, RXA-5 vaccine, RXA-15 lot,
 * RXA-16 expiry, RXA-18 refusal reason, RXA-20 completion status (absent in v2.3: completed),
 * RXA-21 action D → entered-in-error; RXR-1 route and RXR-2 site of the RXR after it. RXA-6
 * amount and RXA-9 notes are not used; OBX (funding, eligibility) is listed as unmapped.
 */
export function vxuImmunizations(msg: Hl7Message, issues: Hl7Issues, unmapped: string[]): ImmunizationFacts[] {
  const { seps } = msg;
  const doses: ImmunizationFacts[] = [];
  let orc: Er7Segment | undefined;
  let rxaCount = 0;
  let current: ImmunizationFacts | undefined;
  for (const seg of msg.segments) {
    if (seg.id === 'ORC') { orc = seg; current = undefined; continue; }
    if (seg.id === 'RXR' && current) {
      const route = ce(seg, 1, seps);
      const site = ce(seg, 2, seps);
      if (route) current.route = route;
      if (site) current.site = site;
      continue;
    }
    if (seg.id === 'OBX') { if (!unmapped.includes('OBX')) unmapped.push('OBX'); continue; }
    if (seg.id !== 'RXA') continue;
    rxaCount += 1;
    const at = (n: number) => location('RXA', rxaCount, n);
    const vaccine = vaccineOf(seg, seps);
    if (!vaccine) {
      issues.add('SCHEMA', at(5), `${at(5)} (administered code) is required and missing`, '101');
      current = undefined;
      continue;
    }
    const dateRaw = textAt(seg, 3, seps);
    const occurrence = parseHl7Dtm(dateRaw);
    if (!dateRaw) issues.add('SCHEMA', at(3), `${at(3)} (date/time start of administration) is required and missing`, '101');
    else if (!occurrence) issues.add('SCHEMA', at(3), `${at(3)} ${quoteValue(dateRaw)} is not an HL7 DTM`, '102');
    const completionRaw = textAt(seg, 20, seps)?.toUpperCase();
    const completion = completionRaw ? COMPLETION[completionRaw] : { status: 'completed' as const };
    if (!completion) issues.add('SCHEMA', at(20), `${at(20)} (completion status) ${quoteValue(completionRaw!)} is not a code of HL7 table 0322 (CP, PA, RE, NA)`, '103');
    const refusal = textAt(seg, 18, seps, { comp: 2 }) ?? textAt(seg, 18, seps);
    const dose: ImmunizationFacts = {
      vaccine, vaccineField: at(5), occurrenceField: at(3),
      status: textAt(seg, 21, seps)?.toUpperCase() === 'D' ? 'entered-in-error' : completion?.status ?? 'completed',
    };
    const key = textAt(orc, 3, seps);
    if (key) dose.key = key;
    if (occurrence) dose.occurrence = occurrence;
    if (dose.status === 'not-done' && (completion?.reason || refusal)) {
      dose.statusReason = { ...(completion?.reason ? { code: completion.reason } : {}), ...(refusal ? { text: refusal } : {}) };
    }
    const lot = textAt(seg, 15, seps);
    if (lot) dose.lotNumber = lot;
    const expiryRaw = textAt(seg, 16, seps);
    const expiry = parseHl7Dtm(expiryRaw);
    if (expiry) dose.expirationDate = expiry.fhirDate;
    else if (expiryRaw) issues.add('SCHEMA', at(16), `${at(16)} (substance expiration date) ${quoteValue(expiryRaw)} is not an HL7 DTM`, '102');
    doses.push(dose);
    current = dose;
    orc = undefined;
  }
  if (rxaCount === 0) issues.add('SCHEMA', 'RXA', 'a VXU^V04 message needs at least one RXA (pharmacy/treatment administration) segment', '100');
  return doses;
}
