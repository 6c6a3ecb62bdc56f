import { describe, expect, it } from 'vitest';
import { decodeUtf8Document, declaredXmlEncoding, firstInvalidUtf8Byte, isUtf8Label } from './charset.js';
import { quoteValue } from './quote.js';

describe('UTF-8 labels (WHATWG Encoding Standard)', () => {
  it.each(['utf-8', 'UTF-8', 'utf8', 'UTF8', 'unicode-1-1-utf-8', ' utf-8 '])('%j names UTF-8', (l) => expect(isUtf8Label(l)).toBe(true));
  it.each(['iso-8859-1', 'latin1', 'windows-1258', 'us-ascii', 'utf-16', 'TCVN3', '', 'x'.repeat(100)])('%j does not', (l) => expect(isUtf8Label(l)).toBe(false));
});

describe('declared encoding and first invalid byte', () => {
  it('reads the XML declaration after a UTF-8 BOM, either quote style', () => {
    expect(declaredXmlEncoding(Buffer.from("\uFEFF<?xml version='1.0' encoding='windows-1258'?><A/>", 'utf8'))).toBe('windows-1258');
    expect(declaredXmlEncoding(Buffer.from('<?xml version="1.0"?><A/>'))).toBeUndefined();
    expect(declaredXmlEncoding(Buffer.from('<A encoding="latin1"/>'))).toBeUndefined();
  });

  it('finds the offending byte past a U+FFFD that was sent as such, and an unfinished last character', () => {
    const bytes = Buffer.concat([Buffer.from('a\uFFFDbễ', 'utf8'), Buffer.from([0xca, 0x20]), Buffer.from('z')]);
    expect(firstInvalidUtf8Byte(bytes)).toBe(Buffer.byteLength('a\uFFFDbễ', 'utf8'));
    expect(firstInvalidUtf8Byte(Buffer.from([0x41, 0xe1, 0xbb]))).toBe(1);
    expect(firstInvalidUtf8Byte(Buffer.from('ok', 'utf8'))).toBe(2);
  });

  it('names the offset, line and element of a Latin-1 byte, without quoting the text', () => {
    const r = decodeUtf8Document(Buffer.from('<?xml version="1.0"?>\n<TONG_HOP>\n<HO_TEN>LÊ VĂN</HO_TEN></TONG_HOP>', 'latin1'));
    expect(r).toEqual({ problem: { code: 'invalid', message: expect.stringMatching(/byte 0xCA at offset 42 \(line 3, after <HO_TEN>\)/) } });
    expect(JSON.stringify(r)).not.toMatch(/L\u00ca|LÊ|>L/);
  });
});

describe('quoteValue', () => {
  it('quotes short values whole and long ones in part, by code point', () => {
    expect(quoteValue('46001')).toBe('"46001"');
    expect(quoteValue('a\nb')).toBe('"a\\nb"');
    expect(quoteValue('😀'.repeat(40))).toBe(`"${'😀'.repeat(32)}…" (80 characters)`);
    expect(quoteValue('😀'.repeat(20))).toBe(`"${'😀'.repeat(20)}"`);
  });
});
