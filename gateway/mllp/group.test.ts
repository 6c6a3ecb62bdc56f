import { describe, expect, it } from 'vitest';
import { groupKeyOf } from './listener.js';

const msg = (facility: string, extra = '') => Buffer.from(`MSH|^~\\&|HIS|${facility}^^L|GW|SYT|20260115083000||ADT^A04|C1|P|2.5.1\rPID|1||1\r${extra}`);

describe('MLLP group commit: which frames may share a transaction', () => {
  it('a single message is grouped under its MSH-4 facility', () => {
    expect(groupKeyOf(msg('46001'), null)).toBe('46001');
    expect(groupKeyOf(msg('46001'), '46001')).toBe('46001');
  });
  it('another facility on a bound port, a batch, two messages or stray text are handled alone', () => {
    expect(groupKeyOf(msg('46002'), '46001')).toBeNull();
    expect(groupKeyOf(Buffer.from(`FHS|^~\\&\r${msg('46001').toString()}`), null)).toBeNull();
    expect(groupKeyOf(msg('46001', msg('46001').toString()), null)).toBeNull();
    expect(groupKeyOf(Buffer.from('hello world'), null)).toBeNull();
    expect(groupKeyOf(Buffer.from('MSH|^~\\&|HIS||GW'), null)).toBeNull();
    // Segments also end at the MLLP frame bytes, and a message starts at any MSH, as the body reader splits them.
    expect(groupKeyOf(Buffer.concat([msg('46001'), Buffer.from([0x0b]), msg('46001')]), null)).toBeNull();
    expect(groupKeyOf(Buffer.from(`${msg('46001').toString()}MSH#x`), null)).toBeNull();
    // MSH-1/MSH-2 the reader cannot use (a frame it answers AR alone) is never grouped.
    expect(groupKeyOf(Buffer.from('MSH|^^\\&|HIS|46001|GW|SYT|20260115||ADT^A04|C1|P|2.5.1\r'), null)).toBeNull();
  });
  it('reads MSH-4 with the message\'s own separators', () => {
    expect(groupKeyOf(Buffer.from('MSH#$~\\&#HIS#46001$L#GW#SYT#20260115##ADT$A04#C1#P#2.5.1\r'), null)).toBe('46001');
  });
});
