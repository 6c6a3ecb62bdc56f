import type { MapContext, MappedItem, RecordFacts } from '../contract.js';
import { quoteValue } from '../shared/quote.js';
import { dg1Conditions, pv1Encounter } from './adt.js';
import { textAt } from './er7.js';
import { hl7Guardian } from './guardian.js';
import { Hl7Issues, parseMessage, replyOf, segmentsOf, SUPPORTED_VERSIONS, type Hl7Reply } from './message.js';
import { pidPerson } from './pid.js';
import type { Hl7MessageItem } from './reader.js';
import { vxuImmunizations } from './vxu.js';

/** Facility codes as the records store keys them (MA_CSKCB: 5 characters). */
const FACILITY_CODE = /^[0-9A-Za-z]{5}$/;
/** Message types and events mapped: ADT admit, discharge, register, update; VXU unsolicited vaccination record. */
const EVENTS: Record<string, ReadonlySet<string>> = { ADT: new Set(['A01', 'A03', 'A04', 'A08']), VXU: new Set(['V04']) };
/** Segments read by the mapping; any other segment present is listed as unmapped. */
const MAPPED_SEGMENTS = new Set(['MSH', 'PID', 'NK1', 'PV1', 'PV2', 'DG1', 'ORC', 'RXA', 'RXR', 'OBX', 'EVN', 'PD1']);

/** The HL7 v2 payload kept with a record: the message's segment lines as received. */
export interface Hl7Payload {
  segments: string[];
}

/**
 * Map one HL7 v2 message (ADT^A01/A03/A04/A08, VXU^V04; v2.3–2.5.1) to facts. Pure. Record key
 * MSH-10, facility MSH-4.1. A message that cannot be processed (MSH unreadable, unsupported type,
 * event or version) becomes a rejected record whose reply says AR; the others are AA or AE.
 */
export function mapHl7Message(item: Hl7MessageItem, ctx: MapContext): MappedItem & { reply: Hl7Reply } {
  const issues = new Hl7Issues();
  const unmapped: string[] = [];
  const payload: Hl7Payload = { segments: item.lines };
  const facts = (f: Partial<RecordFacts> & { key: string; facility: string }): RecordFacts => ({
    conditions: [], immunizations: [], births: [], issues: issues.issues, unmapped, ...f,
  });
  const fallbackKey = `message[${item.index}]`;
  const msg = parseMessage(item.lines);
  if (!msg) {
    issues.add('SCHEMA', 'MSH-2', 'MSH-1/MSH-2 (field separator and encoding characters) cannot be read', '100');
    return {
      seq: item.index, payload, facts: facts({ key: fallbackKey, facility: ctx.envelopeFacility }),
      reply: { reject: true, sendingApplication: [], sendingFacility: [], receivingApplication: [], receivingFacility: [], errorCodes: issues.codes },
    };
  }
  const { seps, msh } = msg;
  const facility = textAt(msh, 4, seps) ?? ctx.envelopeFacility;
  const controlId = textAt(msh, 10, seps);
  const type = textAt(msh, 9, seps)?.toUpperCase();
  const event = textAt(msh, 9, seps, { comp: 2 })?.toUpperCase();
  const version = textAt(msh, 12, seps);
  const key = controlId ?? fallbackKey;
  // ADT is about an encounter, VXU about doses, whatever else the message lacks (statistics by kind).
  const kind = type === 'ADT' ? 'encounter' as const : type === 'VXU' ? 'immunization' as const : undefined;
  const refuse = () => ({ seq: item.index, payload, ...(kind ? { kind } : {}), facts: facts({ key, facility }), reply: replyOf(msg, issues, true) });

  if (!controlId) issues.add('SCHEMA', 'MSH-10', 'MSH-10 (message control id) is required and missing', '101');
  if (!version) issues.add('SCHEMA', 'MSH-12', 'MSH-12 (version id) is required and missing', '101');
  else if (!SUPPORTED_VERSIONS.has(version)) issues.add('SCHEMA', 'MSH-12', `MSH-12 version ${quoteValue(version)} is not read here (2.3, 2.3.1, 2.4, 2.5, 2.5.1)`, '203');
  if (!type || !EVENTS[type]) issues.add('SCHEMA', 'MSH-9', `MSH-9 message type ${quoteValue(type ?? '')} is not accepted (ADT, VXU)`, '200');
  else if (!event || !EVENTS[type]!.has(event)) {
    issues.add('SCHEMA', 'MSH-9', `MSH-9 event ${quoteValue(`${type}^${event ?? ''}`)} is not accepted (ADT^A01, A03, A04, A08; VXU^V04)`, '201');
  }
  if (issues.issues.length) return refuse();
  if (!FACILITY_CODE.test(facility)) {
    issues.add('SCHEMA', 'MSH-4', `MSH-4 sending facility ${quoteValue(facility)} is not a 5-character facility code (MA_CSKCB)`, '102');
  }

  for (const seg of msg.segments) if (!MAPPED_SEGMENTS.has(seg.id) && !unmapped.includes(seg.id)) unmapped.push(seg.id);
  const pid = segmentsOf(msg, 'PID')[0];
  if (!pid) {
    issues.add('SCHEMA', 'PID', 'the PID (patient identification) segment is required and missing', '100');
    return { seq: item.index, payload, ...(kind ? { kind } : {}), facts: facts({ key, facility }), reply: replyOf(msg, issues, false) };
  }
  const { person, patientNumber } = pidPerson(pid, seps, issues, unmapped);
  const guardian = hl7Guardian(msg, pid, unmapped);
  if (guardian) person.guardian = guardian;
  const result = facts({ key, facility, person });
  if (type === 'ADT') {
    const encounter = pv1Encounter(msg, facility, patientNumber, issues, unmapped, event === 'A03');
    if (encounter) result.encounter = encounter;
    result.conditions = dg1Conditions(msg, issues);
  } else {
    result.immunizations = vxuImmunizations(msg, issues, unmapped);
  }
  return { seq: item.index, payload, ...(kind ? { kind } : {}), facts: result, reply: replyOf(msg, issues, false) };
}
