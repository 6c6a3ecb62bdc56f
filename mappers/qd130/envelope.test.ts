import { describe, expect, it } from 'vitest';
import { isMappingError } from '../errors.js';
import { Qd130EnvelopeReader, type EnvelopeHoso } from './envelope.js';

const LIMITS = { maxHoso: 100, maxFileChars: 1_000_000 };
const wrap = (files: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<GIAMDINHHS><THONGTINDONVI><MACSKCB>46001</MACSKCB></THONGTINDONVI>` +
  `<THONGTINHOSO><DANHSACHHOSO><HOSO>${files}</HOSO></DANHSACHHOSO></THONGTINHOSO></GIAMDINHHS>`;

function read(xml: string, pieceSize = xml.length): EnvelopeHoso[] {
  const out: EnvelopeHoso[] = [];
  const r = new Qd130EnvelopeReader((h) => out.push(h), LIMITS);
  for (let i = 0; i < xml.length; i += pieceSize) r.write(xml.slice(i, i + pieceSize));
  r.end();
  return out;
}

/** The base64 of NOIDUNGFILE is read past saxes (the fast path); the result must not depend on it. */
describe('Qd130EnvelopeReader NOIDUNGFILE fast path', () => {
  const b64 = Buffer.from('<TONG_HOP><MA_LK>1</MA_LK></TONG_HOP>'.repeat(50)).toString('base64');
  const wrapped = b64.replace(/(.{76})/g, '$1\r\n');

  it('gives the same base64 for one piece, any piece size, and base64 wrapped over lines', () => {
    for (const text of [b64, wrapped]) {
      const xml = wrap(`<FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>${text}</NOIDUNGFILE></FILEHOSO>`);
      for (const size of [xml.length, 1, 7, 13, 64, 500]) {
        expect(read(xml, size)[0]!.files[0]!.base64, `piece ${size}`).toBe(text.replace(/\r\n/g, '\n').trim()); // XML end-of-line handling (§2.11), as saxes does
      }
    }
  });

  it('still decodes character references and CDATA inside NOIDUNGFILE (they go through saxes)', () => {
    const half = Math.floor(b64.length / 2);
    const withRef = `${b64.slice(0, half)}&#x41;${b64.slice(half)}`;
    const cdata = `${b64.slice(0, half)}<![CDATA[${b64.slice(half)}]]>`;
    for (const size of [10_000, 3, 50]) {
      expect(read(wrap(`<FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>${withRef}</NOIDUNGFILE></FILEHOSO>`), size)[0]!.files[0]!.base64)
        .toBe(`${b64.slice(0, half)}A${b64.slice(half)}`);
      expect(read(wrap(`<FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>${cdata}</NOIDUNGFILE></FILEHOSO>`), size)[0]!.files[0]!.base64).toBe(b64);
    }
  });

  it('ignores a <NOIDUNGFILE> inside a comment and enforces the field limit on the fast path', () => {
    const xml = wrap(`<!-- <NOIDUNGFILE>AAAA --><FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>QUJD</NOIDUNGFILE></FILEHOSO>`);
    expect(read(xml)[0]!.files[0]!.base64).toBe('QUJD');
    const big = wrap(`<FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>${'A'.repeat(1_000_004)}</NOIDUNGFILE></FILEHOSO>`);
    expect(() => read(big, 65_536)).toThrow(/NOIDUNGFILE is longer than 1000000 characters/);
  });

  it('reports error lines counting the base64 lines it read past saxes', () => {
    const xml = wrap(`<FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>${wrapped}</NOIDUNGFILE></FILEHOSO><FILEHOSO></FILEHOSO>`);
    const lines = xml.slice(0, xml.lastIndexOf('<FILEHOSO></FILEHOSO>')).split('\n').length;
    try {
      read(xml);
      expect.unreachable();
    } catch (err) {
      expect(isMappingError(err)).toBe(true);
      expect((err as { location: string }).location).toContain(`line ${lines},`);
    }
  });
});
