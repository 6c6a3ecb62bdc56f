import { describe, expect, it } from 'vitest';
import type { MappingError } from '../errors.js';
import { mappingRefusal } from '../../test/helpers/readers.js';
import { decodeNoiDungFile, parseTable } from './tables.js';

const LOC = 'HOSO[1]/FILEHOSO[1]/NOIDUNGFILE (XML1)';
const xml1 = (fields: string) => `<?xml version="1.0" encoding="utf-8"?>\n<TONG_HOP>${fields}</TONG_HOP>`;
const record = (fields: string) => parseTable('XML1', xml1(fields), LOC).records[0];

function refusal(loai: string, xml: string): MappingError {
  return mappingRefusal(() => parseTable(loai, xml, LOC));
}

describe('character references and predefined entities (XML 1.0 §4.1, §4.6), decoded once', () => {
  it.each([
    ['hexadecimal reference', 'NGUY&#x1EC4;N VĂN A', 'NGUYỄN VĂN A'],
    ['lowercase hexadecimal reference', 'NGUY&#x1ec4;N', 'NGUYỄN'],
    ['decimal reference', 'TR&#7846;N TH&#7882; B', 'TRẦN THỊ B'],
    ['astral-plane reference', 'x&#x1F600;', 'x😀'],
    ['escaped reference stays text', '&amp;#x41;', '&#x41;'],
    ['escaped entity stays text', '&amp;lt;', '&lt;'],
    ['the five predefined entities', '&lt;&gt;&amp;&quot;&apos;', '<>&"\''],
  ])('%s: %j → %j', (_, raw, text) => {
    expect(record(`<HO_TEN>${raw}</HO_TEN>`)?.HO_TEN).toBe(text);
  });

  it('reads CDATA as text, with nothing decoded inside it', () => {
    expect(record('<HO_TEN><![CDATA[NGUYỄN &amp; &#x41; <b>]]></HO_TEN>')?.HO_TEN).toBe('NGUYỄN &amp; &#x41; <b>');
  });

  it('trims text runs but keeps CDATA whitespace, and joins runs around comments', () => {
    expect(record('<GHI_CHU>  a <!-- c --> b  </GHI_CHU><DIA_CHI> x<![CDATA[ y ]]>z </DIA_CHI>')).toEqual({ GHI_CHU: 'a  b', DIA_CHI: 'x y z' });
  });
});

describe('refusals', () => {
  it('refuses a custom entity reference, naming it', () => {
    const err = refusal('XML1', xml1('<HO_TEN>&nbsp;A</HO_TEN>'));
    expect(err.code).toBe('structure');
    expect(err.message).toMatch(/&nbsp;/);
    expect(err.location).toBe(LOC);
  });

  it.each([
    '<!DOCTYPE TONG_HOP [<!ENTITY e "x">]><TONG_HOP><HO_TEN>&e;</HO_TEN></TONG_HOP>',
    '<!DOCTYPE TONG_HOP SYSTEM "http://127.0.0.1:9/x.dtd"><TONG_HOP/>',
    '<TONG_HOP><HO_TEN><![CDATA[<!ENTITY x "y">]]></HO_TEN></TONG_HOP>',
  ])('refuses a DTD as a security problem: %s', (xml) => {
    expect(refusal('XML1', xml).code).toBe('security');
  });

  it.each(['&#0;', '&#x0;', '&#xD800;', '&#xDFFF;', '&#x110000;', '&#xFFFE;', '&#1;', '&#99999999;'])('refuses the invalid code point %s', (ref) => {
    const err = refusal('XML1', xml1(`<HO_TEN>A${ref}</HO_TEN>`));
    expect(err.code).toBe('structure');
    expect(err.message).toMatch(/code point/);
  });

  it.each([
    ['an unclosed element', '<TONG_HOP>\n  <HO_TEN>A</HO_TEN>\n  <MA_LK>1', /line 3, column \d+/],
    ['a mismatched end tag', '<TONG_HOP>\n<HO_TEN>A</MA_LK>\n</TONG_HOP>', /line 2, column \d+/],
    ['a bare ampersand', '<TONG_HOP><HO_TEN>A & B</HO_TEN></TONG_HOP>', /line 1, column \d+/],
    ['two roots', '<TONG_HOP/><TONG_HOP/>', /line 1, column \d+/],
    ['a control character', '<TONG_HOP><HO_TEN>A\u0001</HO_TEN></TONG_HOP>', /line 1, column \d+/],
    ['an empty document', '', /line \d+, column \d+/],
  ])('refuses %s with line and column', (_, xml, where) => {
    const err = refusal('XML1', xml);
    expect(err.code).toBe('structure');
    expect(err.message).toMatch(/^XML1 document is not well-formed XML: /);
    expect(err.message).toMatch(where);
  });

  it('refuses element names that reach Object.prototype', () => {
    expect(refusal('XML99', '<R><__proto__>1</__proto__></R>').message).toMatch(/__proto__/);
    expect(refusal('XML99', '<R><constructor/></R>').code).toBe('structure');
  });

  it('refuses nesting deeper than 101 open elements as too costly', () => {
    const deep = (n: number) => `${'<A>'.repeat(n)}x${'</A>'.repeat(n)}`;
    expect(parseTable('XML99', deep(101), LOC).rootTag).toBe('A');
    expect(refusal('XML99', deep(102)).code).toBe('too-costly');
  });
});

describe('records and documents', () => {
  it('finds records at any depth, in document order per container', () => {
    const xml = '<CHITIEU_CHITIET_THUOC><DSACH_CHI_TIET_THUOC><CHI_TIET_THUOC><STT>1</STT></CHI_TIET_THUOC>'
      + '<CHI_TIET_THUOC><STT>2</STT><MA_THUOC/></CHI_TIET_THUOC></DSACH_CHI_TIET_THUOC>'
      + '<KHAC><SAU><CHI_TIET_THUOC><STT>3</STT></CHI_TIET_THUOC></SAU></KHAC></CHITIEU_CHITIET_THUOC>';
    const t = parseTable('XML2', xml, LOC);
    expect(t).toEqual({ loaiHoSo: 'XML2', rootTag: 'CHITIEU_CHITIET_THUOC', records: [{ STT: '1' }, { STT: '2', MA_THUOC: '' }, { STT: '3' }] });
  });

  it('reads a single-record table whose root is the record tag', () => {
    const t = parseTable('XML7', '<CHI_TIEU_DU_LIEU_GIAY_RA_VIEN><MA_LK>LK1</MA_LK><SO_LUU_TRU>0012</SO_LUU_TRU></CHI_TIEU_DU_LIEU_GIAY_RA_VIEN>', LOC);
    expect(t.records).toEqual([{ MA_LK: 'LK1', SO_LUU_TRU: '0012' }]);
  });

  it('keeps the whole document of an unknown table', () => {
    const t = parseTable('XML99', '<?xml version="1.0"?><ROOT a="1"><A>1</A><B><C>x</C></B><A>2</A><!-- c --></ROOT>', LOC);
    expect(t).toEqual({ loaiHoSo: 'XML99', rootTag: 'ROOT', records: [], document: { A: ['1', '2'], B: { C: 'x' } } });
  });

  it('flattens a nested field to the JSON of its tree, text last under #text', () => {
    expect(record('<GHI_CHU>x<B>1</B>y<B>2</B><C/></GHI_CHU>')?.GHI_CHU).toBe('{"B":["1","2"],"C":"","#text":"xy"}');
  });

  it('prefixes names that shadow Object.prototype methods', () => {
    expect(record('<toString>1</toString>')).toEqual({ __toString: '1' });
  });
});

describe('decodeNoiDungFile', () => {
  const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
  it('decodes base64 UTF-8 and drops one BOM', () => {
    expect(decodeNoiDungFile(b64(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<A>Ễ</A>')])), LOC)).toBe('<A>Ễ</A>');
  });
  it.each([['', /empty/], ['abc', /base64/], [b64('<A>\u0000</A>'), /NUL/]])('refuses %j', (input, msg) => {
    expect(() => decodeNoiDungFile(input, LOC)).toThrow(msg);
  });
});
