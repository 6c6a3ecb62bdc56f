import { describe, expect, it } from 'vitest';
import { MappingError } from '../errors.js';
import { parseHl7Dtm } from './dtm.js';
import { decodeEscapes, encodeText, separatorsOf, splitSegment, STANDARD_SEPARATORS, textAt, valueAt } from './er7.js';
import { Hl7BodyReader, type Hl7MessageItem } from './reader.js';
import { feedInPieces } from '../../test/helpers/readers.js';

const S = STANDARD_SEPARATORS;

function read(text: string, pieces: number[] = []): { items: Hl7MessageItem[]; header: Record<string, unknown> } {
  const items: Hl7MessageItem[] = [];
  const reader = new Hl7BodyReader((i) => items.push(i), { maxItems: 100, maxFieldChars: 10_000 });
  feedInPieces(reader, text, pieces);
  return { items, header: reader.header };
}

describe('ER7 separators (MSH-1, MSH-2)', () => {
  it('reads the standard and any other declared delimiters', () => {
    expect(separatorsOf('MSH|^~\\&|HIS')).toEqual(S);
    expect(separatorsOf('MSH#$*?@#HIS')).toEqual({ field: '#', component: '$', repetition: '*', escape: '?', subcomponent: '@' });
    expect(separatorsOf('MSH|^~\\&#|HIS')?.subcomponent).toBe('&'); // v2.7 truncation character ignored
  });

  it('refuses missing, repeated or alphanumeric delimiters and non-header segments', () => {
    expect(separatorsOf('MSH|^~|HIS')).toBeUndefined();
    expect(separatorsOf('MSH|^^\\&|HIS')).toBeUndefined();
    expect(separatorsOf('MSH|^~A&|HIS')).toBeUndefined();
    expect(separatorsOf('PID|^~\\&|')).toBeUndefined();
  });

  it('numbers MSH fields so MSH-n is fields[n], and other segments from the id', () => {
    const msh = splitSegment('MSH|^~\\&|HIS|79001|GW|SYT|20260101||ADT^A01|C1|P|2.5.1', S);
    expect([msh.fields[1], msh.fields[2], msh.fields[4], msh.fields[10], msh.fields[12]]).toEqual(['|', '^~\\&', '79001', 'C1', '2.5.1']);
    expect(valueAt(msh, 2, S)).toBe('^~\\&');
    expect(textAt(msh, 9, S, { comp: 2 })).toBe('A01');
    expect(splitSegment('PID|1||X', S).fields[3]).toBe('X');
  });
});

describe('ER7 values', () => {
  const pid = splitSegment('PID|1||A^^^^NI~B^^^^HC&x&y||Nguyễn^An||""|||^""^Q1', S);

  it('addresses repetitions, components and subcomponents', () => {
    expect(textAt(pid, 3, S)).toBe('A');
    expect(textAt(pid, 3, S, { rep: 1, comp: 5 })).toBe('HC');
    expect(textAt(pid, 3, S, { rep: 1, comp: 5, sub: 3 })).toBe('y');
    expect(textAt(pid, 5, S, { comp: 2 })).toBe('An');
  });

  it('tells the explicit null "" from an absent value', () => {
    expect(valueAt(pid, 7, S)).toBeNull();
    expect(valueAt(pid, 8, S)).toBeUndefined();
    expect(valueAt(pid, 40, S)).toBeUndefined();
    expect(valueAt(pid, 10, S, { comp: 2 })).toBeNull();
    expect(valueAt(pid, 10, S, { comp: 1 })).toBeUndefined();
    expect(textAt(pid, 7, S)).toBeUndefined();
  });

  it('decodes \\F\\ \\S\\ \\T\\ \\R\\ \\E\\, UTF-8 \\X..\\ and \\.br\\ after splitting, so escaped delimiters stay text', () => {
    const seg = splitSegment('NTE|1||a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f^second', S);
    expect(textAt(seg, 3, S)).toBe('a|b^c&d~e\\f');
    expect(textAt(seg, 3, S, { comp: 2 })).toBe('second');
    expect(decodeEscapes('Tr\\XE1BAA7\\n', S)).toBe('Trần');
    expect(decodeEscapes('line1\\.br\\line2', S)).toBe('line1\nline2');
    expect(decodeEscapes('\\H\\bold\\N\\', S)).toBe('bold');
  });

  it('keeps malformed or unterminated escapes as sent and never yields U+FFFD from bad hex', () => {
    expect(decodeEscapes('50\\% off', S)).toBe('50\\% off');
    expect(decodeEscapes('\\XFF\\', S)).toBe('\\XFF\\');
    expect(decodeEscapes('\\XABC\\', S)).toBe('\\XABC\\');
    expect(decodeEscapes('end\\', S)).toBe('end\\');
  });

  it('decodes with the message\'s own escape character', () => {
    const seps = separatorsOf('MSH#$*?@#')!;
    expect(decodeEscapes('HB?T?12?F?x', seps)).toBe('HB@12#x');
  });

  it('encodes text so it decodes back to itself', () => {
    const text = 'a|b^c&d~e\\f Ệ';
    expect(encodeText(text)).toBe('a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f Ệ');
    expect(decodeEscapes(encodeText(text), S)).toBe(text);
  });
});

describe('HL7 DTM', () => {
  it('keeps the precision sent and the offset (default +07:00)', () => {
    expect(parseHl7Dtm('1990')).toMatchObject({ year: 1990, fhirDate: '1990', fhirDateTime: '1990' });
    expect(parseHl7Dtm('199006')).toMatchObject({ month: 6, fhirDate: '1990-06' });
    expect(parseHl7Dtm('19900605')).toMatchObject({ day: 5, fhirDate: '1990-06-05', fhirDateTime: '1990-06-05' });
    expect(parseHl7Dtm('202601150830')?.fhirDateTime).toBe('2026-01-15T08:30:00+07:00');
    expect(parseHl7Dtm('20260115000000.123-0500')).toMatchObject({ minutes: 0, fhirDateTime: '2026-01-15T00:00:00-05:00' });
  });

  it('refuses what is not a calendar date', () => {
    for (const bad of ['2026-01-15', '20260230', '202613', '2026011525', '19', '20260115+9900']) expect(parseHl7Dtm(bad), bad).toBeUndefined();
  });
});

describe('HL7 body reader', () => {
  const a = 'MSH|^~\\&|H|79001|G|S|2026||ADT^A04|1|P|2.5.1\rPID|1||X';
  const b = 'MSH|^~\\&|H|79001|G|S|2026||VXU^V04|2|P|2.5.1\rPID|1||Y\rRXA|0|1';

  it('splits messages on every MSH whatever the segment ends (CR, LF, CR LF)', () => {
    for (const end of ['\r', '\n', '\r\n']) {
      const { items } = read(`${a}${end}${b}${end}`.replace(/\r(?!\n)/g, end));
      expect(items.map((i) => i.lines.length)).toEqual([2, 3]);
    }
  });

  it('gives the same messages whatever pieces the text arrives in, even a CR LF cut in two', () => {
    const text = `${a}\r\n${b}\r\n`;
    const whole = read(text).items;
    for (let cut = 1; cut < text.length; cut++) expect(read(text, [cut]).items).toEqual(whole);
  });

  it('reads batches: FHS/BHS name the facility, BTS/FTS end the last message', () => {
    const text = `FHS|^~\\&|H|79009|||||||F1\rBHS|^~\\&|H|79009\r${a}\r${b}\rBTS|2\rFTS|1\r`;
    const { items, header } = read(text);
    expect(items.map((i) => i.index)).toEqual([1, 2]);
    expect(header).toMatchObject({ facility: '79009', batchControlId: 'F1' });
    expect(read(`${a}\r`).header.facility).toBe('79001');
  });

  it('refuses a body that is not HL7 v2, or a segment before the first MSH', () => {
    expect(() => read('{"resourceType":"Patient"}')).toThrow(MappingError);
    expect(() => read('BHS|^~\\&|H\rPID|1')).toThrow(/outside a message/);
    expect(read('\uFEFF\r\n').items).toEqual([]);
  });

  it('bounds the number of messages and the length of a segment', () => {
    const items: Hl7MessageItem[] = [];
    const reader = new Hl7BodyReader((i) => items.push(i), { maxItems: 1, maxFieldChars: 50 });
    expect(() => { reader.write(`${a}\r${b}\r`); reader.end(); }).toThrow(/more than 1 messages/);
    const long = new Hl7BodyReader(() => undefined, { maxItems: 5, maxFieldChars: 50 });
    expect(() => long.write(`${a}\rNTE|${'x'.repeat(60)}`)).toThrow(/longer than 50/);
  });
});
