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
  });
});
