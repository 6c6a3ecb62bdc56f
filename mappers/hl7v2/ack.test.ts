import { describe, expect, it } from 'vitest';
import type { RecordOutcome } from '../../records/model.js';
import { errorLocation, hl7AckAnswer, hl7Timestamp } from './ack.js';
import { mapHl7Message } from './map-message.js';
import { TEST_SYSTEMS } from '../../test/helpers/formats.js';

const ctx = { now: new Date('2026-01-15T01:30:00Z'), idBase: 'T' };
const fields = (ack: string, id: string) => ack.split('\r').filter((s) => s.startsWith(`${id}|`)).map((s) => s.split('|'));

/** Map one message and render its ACK for a given outcome (what the pipeline decided). */
function ackOf(lines: string[], outcome: Omit<RecordOutcome, 'key'>): string {
  const item = mapHl7Message({ index: 1, lines }, { systems: TEST_SYSTEMS, envelopeFacility: '' });
  return hl7AckAnswer.render([{ outcome: { key: item.facts.key, ...outcome }, reply: item.reply }], ctx);
}

describe('HL7 v2 ACK', () => {
  it('names issue fields as ERR-2 error locations', () => {
    expect(errorLocation('PID-3')).toBe('PID^1^3');
    expect(errorLocation('RXA[2]-5')).toBe('RXA^2^5');
    expect(errorLocation('PV1')).toBe('PV1^1');
    expect(errorLocation('MA_CSKCB')).toBe('MSH^1^4');
    expect(errorLocation('Patient.name[0]')).toBe('');
  });

  it('writes the time in UTC+7', () => expect(hl7Timestamp(ctx.now)).toBe('20260115083000+0700'));

  it('swaps sender and receiver, echoes MSH-10 escaped with the standard separators, and answers AA', () => {
    const ack = ackOf(['MSH#$*?@#HIS$X#79001#GW#SYT#2026##ADT$A04#C|1#T#2.4'], { status: 'accepted', issues: [] });
    expect(fields(ack, 'MSH')[0]!.slice(2, 12)).toEqual(['GW', 'SYT', 'HIS^X', '79001', '20260115083000+0700', '', 'ACK^A04^ACK', 'T1', 'T', '2.4']);
    expect(fields(ack, 'MSA')).toEqual([['MSA', 'AA', 'C\\F\\1']]);
    expect(fields(ack, 'ERR')).toEqual([]);
  });

  it('answers AE with one ERR per issue: table 0357 code from the mapper or the category, ERR-1 too for v2.3/2.4', () => {
    const ack = ackOf(['MSH|^~\\&|HIS|79001|GW|SYT|2026||VXU^V04|C2|P|2.3', 'PID|1||X^^^^NI||A^B'], {
      status: 'rejected',
      issues: [
        { category: 'CCCD_FORMAT', field: 'PID-3', message: 'not 12 digits' },
        { category: 'SCHEMA', field: 'RXA', message: 'a VXU^V04 message needs at least one RXA (pharmacy/treatment administration) segment' },
      ],
    });
    const errs = fields(ack, 'ERR');
    expect(errs[0]).toEqual(['ERR', 'PID^1^3^102&Data type error&HL70357', 'PID^1^3', '102^Data type error^HL70357', 'E', 'CCCD_FORMAT', '', '', 'not 12 digits']);
    expect(errs[1]!.slice(2, 6)).toEqual(['RXA^1', '100^Segment sequence error^HL70357', 'E', 'SCHEMA']);
    expect(errs[1]![8]).toBe('a VXU\\S\\V04 message needs at least one RXA (pharmacy/treatment administration) segment');
  });

  it('answers AR for an unsupported type or version, and for a body that is not HL7', () => {
    const oru = ackOf(['MSH|^~\\&|HIS|79001|GW|SYT|2026||ORU^R01|C3|P|2.5.1'], { status: 'rejected', issues: [{ category: 'SCHEMA', field: 'MSH-9', message: 'MSH-9 message type "ORU" is not accepted (ADT, VXU)' }] });
    expect(fields(oru, 'MSA')).toEqual([['MSA', 'AR', 'C3']]);
    expect(fields(oru, 'ERR')[0]![3]).toBe('200^Unsupported message type^HL70357');
    const body = hl7AckAnswer.renderUnreadable({ message: 'not HL7', location: 'MSH' }, ctx);
    expect(fields(body, 'MSA')).toEqual([['MSA', 'AR', '']]);
    expect(fields(body, 'MSH')[0]![8]).toBe('ACK');
  });
});
