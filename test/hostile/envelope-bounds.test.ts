/**
 * Every text node, tag, comment, CDATA section, processing instruction and DOCTYPE in a GIAMDINHHS
 * envelope is bounded while it streams in, before saxes has buffered more than the limit.
 */
import { describe, expect, it } from 'vitest';
import { MappingError } from '../../mappers/errors.js';
import { Qd130EnvelopeReader, type EnvelopeHoso } from '../../mappers/qd130/index.js';

const HEAD = '<GIAMDINHHS><THONGTINDONVI><MACSKCB>46001</MACSKCB></THONGTINDONVI><THONGTINHOSO><NGAYLAP>20250301</NGAYLAP>'
  + '<SOLUONGHOSO>1</SOLUONGHOSO><DANHSACHHOSO><HOSO><FILEHOSO><LOAIHOSO>XML1</LOAIHOSO>';
const TAIL = '</FILEHOSO></HOSO></DANHSACHHOSO></THONGTINHOSO></GIAMDINHHS>';

const LIMITS = { maxHoso: 10, maxFileChars: 1_000_000, maxHeaderChars: 100, maxTextChars: 65_536 };

/** Feed `parts` (then `repeat` copies of `filler`, then `rest`) in 16 KB-ish chunks; returns the error and how much was fed. */
function feed(prefix: string, filler: string, repeat: number, rest = '', limits = LIMITS): { error?: MappingError; fed: number; hosos: EnvelopeHoso[] } {
  const hosos: EnvelopeHoso[] = [];
  const reader = new Qd130EnvelopeReader((h) => hosos.push(h), limits);
  let fed = 0;
  try {
    reader.write(prefix);
    fed += prefix.length;
    for (let i = 0; i < repeat; i++) {
      reader.write(filler);
      fed += filler.length;
    }
    reader.write(rest);
    reader.end();
    return { fed, hosos };
  } catch (err) {
    if (!(err instanceof MappingError)) throw err;
    return { error: err, fed, hosos };
  }
}

const A16K = 'A'.repeat(16_384);
const LT16K = 'a<b'.repeat(5_461);

describe('envelope bounds (streaming, before saxes buffers)', () => {
  it('refuses a NOIDUNGFILE over maxFileChars with 413-class too-costly naming the element path', () => {
    const { error, fed } = feed(`${HEAD}<NOIDUNGFILE>`, A16K, 10_000, `</NOIDUNGFILE>${TAIL}`);
    expect(error?.code).toBe('too-costly');
    expect(error?.location).toContain('/HOSO/FILEHOSO/NOIDUNGFILE');
    expect(error?.message).toMatch(/NOIDUNGFILE is longer than 1000000 characters/);
    expect(fed).toBeLessThan(1_000_000 + 40_000); // stopped within about one chunk of the limit
  });

  it('refuses an uncaptured text node over maxTextChars', () => {
    const { error, fed } = feed(`${HEAD}<GHICHU>`, A16K, 1000);
    expect(error?.code).toBe('too-costly');
    expect(error?.location).toContain('/FILEHOSO/GHICHU');
    expect(fed).toBeLessThan(65_536 + 40_000);
  });

  it('refuses a header field over maxHeaderChars even when it arrives in one piece', () => {
    const { error } = feed(HEAD.replace('46001', 'x'.repeat(500)), '', 0, `<NOIDUNGFILE>QQ==</NOIDUNGFILE>${TAIL}`);
    expect(error?.code).toBe('too-costly');
    expect(error?.message).toMatch(/MACSKCB is longer than 100/);
  });

  it.each([
    ['a comment containing <', '<!--', LT16K],
    ['a CDATA section containing <', '<NOIDUNGFILE><![CDATA[', LT16K.replace(/b/g, '>')],
    ['a processing instruction', '<?pi ', LT16K],
    ['a long tag (attributes)', '<X a="1"', ' b="2"'.repeat(2730)],
  ])('bounds %s', (_name, opener, filler) => {
    const { error, fed } = feed(`${HEAD}${opener}`, filler, 1000);
    expect(error?.code).toBe('too-costly');
    expect(fed).toBeLessThan(1_100_000);
  });

  it('bounds a DOCTYPE whose internal subset is huge (quotes and brackets do not end it early)', () => {
    const { error, fed } = feed('<!DOCTYPE GIAMDINHHS [', '<!ENTITY a "x>y]">'.repeat(1000), 1000);
    expect(error?.code).toBe('too-costly');
    expect(fed).toBeLessThan(200_000);
  });

  it('still refuses a small DOCTYPE as a security problem', () => {
    expect(feed('<!DOCTYPE GIAMDINHHS [<!ENTITY a "b">]><GIAMDINHHS/>', '', 0).error?.code).toBe('security');
  });

  it('bounds nesting depth', () => {
    const { error } = feed(HEAD, '<N>'.repeat(100), 1);
    expect(error?.code).toBe('too-costly');
    expect(error?.message).toMatch(/nested deeper than 64/);
  });

  it('bounds the files of one HOSO together', () => {
    const file = `<FILEHOSO><LOAIHOSO>XML2</LOAIHOSO><NOIDUNGFILE>${'Q'.repeat(400_000)}</NOIDUNGFILE></FILEHOSO>`;
    const { error } = feed(`${HEAD}<NOIDUNGFILE>QQ==</NOIDUNGFILE></FILEHOSO>`, file, 3, '</HOSO></DANHSACHHOSO></THONGTINHOSO></GIAMDINHHS>');
    expect(error?.code).toBe('too-costly');
    expect(error?.message).toMatch(/HOSO 1/);
  });

  it('gives the same outcome whole and in pieces cut anywhere, including inside terminators', () => {
    const xml = `${HEAD}<!-- a -- ->< -->${'<?x y?>'}<NOIDUNGFILE><![CDATA[QQ]]]]><![CDATA[>==]]></NOIDUNGFILE>${TAIL}`;
    const whole = feed(xml, '', 0);
    expect(whole.error?.message).toMatch(/not well-formed/); // `--` inside a comment (XML 1.0 §2.5)
    const ok = xml.replace('<!-- a -- ->< -->', '<!-- a ->< -->');
    for (let cut = 0; cut <= ok.length; cut++) {
      const r = feed(ok.slice(0, cut), '', 0, ok.slice(cut));
      expect(r.error).toBeUndefined();
      expect(r.hosos[0]?.files[0]?.base64).toBe('QQ]]>==');
    }
  });

  it('accepts large but allowed content fed as one string', () => {
    const { error, hosos } = feed(`${HEAD}<NOIDUNGFILE>${'Q'.repeat(900_000)}</NOIDUNGFILE>${TAIL}`, '', 0);
    expect(error).toBeUndefined();
    expect(hosos[0]?.files[0]?.base64.length).toBe(900_000);
  });
});
