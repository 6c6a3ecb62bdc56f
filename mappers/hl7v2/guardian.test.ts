import { describe, expect, it } from 'vitest';
import { FhirValidator } from '../../profiles/validate.js';
import { mapSource, TEST_SYSTEMS } from '../../test/helpers/formats.js';
import type { PersonFacts } from '../contract.js';
import { errorLocation } from './ack.js';
import { hl7v2Format } from './index.js';
import { mapHl7Message } from './map-message.js';

const VXU_MSH = 'MSH|^~\\&|HIS|79001|GW|SYT|20260115083000||VXU^V04|C1|P|2.5.1';
const ADT_MSH = 'MSH|^~\\&|HIS|79001|GW|SYT|20260115083000||ADT^A04|C2|P|2.5.1';
const RXA = 'RXA|0|1|20260110||08^Hep B^CVX|0.5|mL';
const PV1 = 'PV1|1|O|||||||||||||||||V001';

/** Map one message (segments joined with CR) and return its person and unmapped fields. */
function mapped(...segments: string[]): { person: PersonFacts | undefined; unmapped: string[]; issues: unknown[] } {
  const { facts } = mapHl7Message({ index: 1, lines: segments }, { systems: TEST_SYSTEMS, envelopeFacility: '' });
  return { person: facts.person, unmapped: facts.unmapped, issues: facts.issues };
}

const pid3 = (list: string) => mapped(VXU_MSH, `PID|1||${list}||Phạm^Minh Khôi||20251110|M`, RXA);

describe('PID-3 identifiers by CX-5 type', () => {
  it.each([
    ['one NI: the CCCD', '079225000111^^^BCA^NI', { cccd: '079225000111' }],
    ['MR: the patient number', '079225000111^^^BCA^NI~BN7788^^^79001^MR', { cccd: '079225000111', patientNumber: 'BN7788' }],
    ['PI: the patient number (first of MR/PI)', 'BN1^^^79001^PI~BN2^^^79001^MR', { cccd: '', patientNumber: 'BN1' }],
    ['PPN: a passport', 'C1234567^^^VNM^PPN', { cccd: '', otherIds: [{ type: 'passport', value: 'C1234567', field: 'PID-3[1]' }] }],
    ['a 9-digit NI: the old CMND, not the CCCD', '079225000111^^^BCA^NI~191234567^^^CA^NI', {
      cccd: '079225000111', otherIds: [{ type: 'cmnd', value: '191234567', field: 'PID-3[2]' }],
    }],
    ['a 9-digit NI alone: no CCCD', '191234567^^^CA^NI', { cccd: '', otherIds: [{ type: 'cmnd', value: '191234567', field: 'PID-3[1]' }] }],
    ['typed CMND: the old ID card whatever its length', '079085001234^^^CA^CMND', { cccd: '', otherIds: [{ type: 'cmnd', value: '079085001234', field: 'PID-3[1]' }] }],
    ['NNVNM: a national ID like NI', '191234567^^^BCA^NNVNM~079225000111^^^BCA^NNVNM', {
      cccd: '079225000111', otherIds: [{ type: 'cmnd', value: '191234567', field: 'PID-3[1]' }],
    }],
    ['another 12-digit NI: a CCCD held before; the same one again is ignored', '079225000111^^^BCA^NI~079225000999^^^BCA^CCCD~079225000111^^^BCA^NI', {
      cccd: '079225000111', otherIds: [{ type: 'previous-cccd', value: '079225000999', field: 'PID-3[2]' }],
    }],
    ['the first 12-digit national ID is the CCCD', '07922500011^^^BCA^NI~079225000111^^^BCA^NI', { cccd: '079225000111' }],
  ])('%s', (_name, list, expected) => {
    const { person } = pid3(list);
    expect(person!.cccd).toEqual({ value: expected.cccd, field: 'PID-3' });
    expect(person!.patientNumber).toBe('patientNumber' in expected ? expected.patientNumber : undefined);
    expect(person!.otherIds).toEqual('otherIds' in expected ? expected.otherIds : undefined);
  });

  it('lists a malformed extra national ID and unknown types as unmapped, as before', () => {
    expect(pid3('079225000111^^^BCA^NI~0792250^^^BCA^NI~X1^^^H^XX').unmapped).toEqual(['PID-3(XX)', 'PID-3(NI)']);
  });

  it('puts the patient number on both the person and the ADT encounter', () => {
    const { facts } = mapHl7Message({ index: 1, lines: [ADT_MSH, 'PID|1||079085001234^^^BCA^NI~BN00123^^^79001^MR||Nguyễn^An^Văn', PV1] }, { systems: TEST_SYSTEMS, envelopeFacility: '' });
    expect(facts.person!.patientNumber).toBe('BN00123');
    expect(facts.encounter!.patientNumber).toBe('BN00123');
  });
});

describe('the mother or guardian: PID-21, PID-6, NK1', () => {
  const INFANT = 'PID|1||079225000111^^^BCA^NI||Phạm^Minh Khôi||20251110|M';
  const infant = (pid21: string, pid6 = '') => `PID|1||079225000111^^^BCA^NI||Phạm^Minh Khôi|${pid6}|20251110|M|||||||||||||${pid21}`;

  it.each([
    ['PID-21 and NK1 MTH: the CCCD of PID-21, the name of the NK1', [infant('079190006789^^^BCA^NI'), 'NK1|1|TRAN^THI LAN|MTH'], {
      cccd: '079190006789', name: 'TRAN THI LAN', relationship: 'mother', field: 'PID-21',
    }],
    ['PID-21 with PID-6: both from PID', [infant('079190006789^^^BCA^NI', 'Trần^Lan^Thị'), 'NK1|1|Lê^Thị Hoa|MTH'], {
      cccd: '079190006789', name: 'Trần Thị Lan', relationship: 'mother', field: 'PID-21',
    }],
    ['PID-6 alone: the mother by name', [infant('', 'Trần^Thị Lan')], { name: 'Trần Thị Lan', relationship: 'mother', field: 'PID-6' }],
    ['PID-6 completed by the NK1 of the mother with NK1-33', [infant('', 'Trần^Thị Lan'), `NK1|1|Trần^Thị Lan|MTH${'|'.repeat(30)}079190006789^^^BCA^NI`], {
      cccd: '079190006789', name: 'Trần Thị Lan', relationship: 'mother', field: 'NK1-33',
    }],
    ['the mother of PID wins over an NK1 father', [infant('079190006789^^^BCA^NI'), 'NK1|1|Phạm^Văn Nam|FTH'], {
      cccd: '079190006789', relationship: 'mother', field: 'PID-21',
    }],
    ['no PID mother: the first NK1 with MTH wins', [INFANT, 'NK1|1|Phạm^Văn Nam|FTH', 'NK1|2|TRAN^THI LAN|MTH'], {
      name: 'TRAN THI LAN', relationship: 'mother', field: 'NK1[2]-2',
    }],
    ['no mother: the first NK1, its NK1-33 CCCD', [INFANT, `NK1|1|Phạm^Văn Nam|FTH${'|'.repeat(30)}X9^^^H^MR~079085001234^^^BCA^NI`, 'NK1|2|Lê^Thị Hoa|GRD'], {
      cccd: '079085001234', name: 'Phạm Văn Nam', relationship: 'father', field: 'NK1-33',
    }],
    ['GRD and any other code of table 0063: guardian', [INFANT, 'NK1|1|Lê^Thị Hoa|GRD'], { name: 'Lê Thị Hoa', relationship: 'guardian', field: 'NK1-2' }],
    ['an NK1 without relationship (ADT): guardian', [INFANT, 'NK1|1|Trần^Văn Nam'], { name: 'Trần Văn Nam', relationship: 'guardian', field: 'NK1-2' }],
  ])('%s', (_name, segments, expected) => {
    expect(mapped(VXU_MSH, ...segments, RXA).person!.guardian).toEqual(expected);
  });

  it('reads NK1 in ADT messages too, and no longer lists NK1, PID-6 or PID-21 as unmapped', () => {
    const { person, unmapped, issues } = mapped(ADT_MSH, infant('079190006789^^^BCA^NI', 'Trần^Thị Lan'), 'NK1|1|Trần^Thị Lan|MTH', PV1);
    expect(person!.guardian).toEqual({ cccd: '079190006789', name: 'Trần Thị Lan', relationship: 'mother', field: 'PID-21' });
    expect(unmapped).toEqual([]);
    expect(issues).toEqual([]);
  });

  it('lists what it cannot use: a PID-21 or NK1-33 without a 12-digit CCCD, NK1 fields not read', () => {
    const { person, unmapped } = mapped(VXU_MSH, infant('191234567^^^CA^CMND'), `NK1|1|Lê^Thị Hoa|MTH|Ấp 3||${'|'.repeat(27)}191234567^^^CA^CMND`, RXA);
    expect(person!.guardian).toEqual({ name: 'Lê Thị Hoa', relationship: 'mother', field: 'NK1-2' });
    expect(unmapped).toEqual(['PID-21', 'NK1-4', 'NK1-33']);
  });

  it('sets no guardian when nobody is named', () => {
    expect(mapped(VXU_MSH, INFANT, 'NK1|1||MTH', RXA).person!.guardian).toBeUndefined();
  });

  it('names repetitions and later segments as ERR-2 locations', () => {
    expect(errorLocation('PID-3[2]')).toBe('PID^1^3^2');
    expect(errorLocation('NK1[2]-33')).toBe('NK1^2^33');
  });

  it('through ingest\'s pure stages: a VXU with every new fact is accepted and its resources are valid R4', () => {
    const text = [VXU_MSH, `PID|1||079225000111^^^BCA^NI~191234567^^^CA^NI~C1234567^^^VNM^PPN~BN7788^^^79001^MR||Phạm^Minh Khôi|Trần^Thị Lan|20251110|M|||||||||||||079190006789^^^BCA^NI`,
      'NK1|1|TRAN^THI LAN|MTH', RXA].join('\r');
    const [r] = mapSource(hl7v2Format, text, { validator: new FhirValidator() });
    expect([r!.record.status, r!.record.issues]).toEqual(['accepted', []]);
    expect(r!.item.facts.person).toMatchObject({ patientNumber: 'BN7788', guardian: { cccd: '079190006789', relationship: 'mother' } });
  });
});
