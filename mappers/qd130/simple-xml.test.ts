import { describe, expect, it } from 'vitest';
import { isMappingError } from '../errors.js';
import { buildTreeFast } from './simple-xml.js';
import { buildTree, parseTable } from './tables.js';

const LOC = 'HOSO[1]/FILEHOSO[1]/NOIDUNGFILE (XML99)';
const fast = (xml: string) => buildTreeFast('XML99', xml, LOC);
const saxes = (xml: string) => buildTree('XML99', xml, LOC);
const DECL = '<?xml version="1.0" encoding="utf-8"?>\n';

/** The fast tree of `xml`, checked to be the very tree saxes builds (same keys in the same order). */
function both(xml: string): unknown {
  const tree = fast(xml);
  expect(tree, 'inside the simple subset').toBeDefined();
  expect(JSON.stringify(tree)).toBe(JSON.stringify(saxes(xml)));
  return tree;
}

/** What saxes makes of `xml`: its tree as JSON, or the MappingError code. */
function saxesOutcome(xml: string): string {
  try {
    return JSON.stringify(saxes(xml));
  } catch (err) {
    if (isMappingError(err)) return err.code;
    throw err;
  }
}

describe('buildTreeFast: XML declaration (XML 1.0 §2.8, §4.3.3)', () => {
  it.each([
    '',
    '<?xml version="1.0"?>',
    "<?xml version='1.0'?>",
    '<?xml version="1.0" encoding="utf-8"?>',
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>",
    '<?xml version="1.0" encoding="utf8" standalone="no" ?>',
    '<?xml version = "1.0"\r\n  encoding= "unicode-1-1-utf-8"?>',
    '<?xml version="1.0" standalone="yes"?>',
  ])('reads %j like saxes', (decl) => {
    expect(both(`${decl}\n<A><B>1</B></A>\n`)).toEqual({ A: { B: '1' } });
  });

  it.each([
    ['version 1.1 (other §2.2 and §2.11 rules)', '<?xml version="1.1"?>'],
    ['an encoding other than UTF-8', '<?xml version="1.0" encoding="latin1"?>'],
    ['no version', '<?xml encoding="utf-8"?>'],
    ['attributes out of order', '<?xml version="1.0" standalone="yes" encoding="utf-8"?>'],
    ['mixed quotes', '<?xml version="1.0\'?>'],
    ['whitespace before the declaration', ' <?xml version="1.0"?>'],
    ['a byte order mark', '\uFEFF<?xml version="1.0"?>'],
    ['a byte order mark without declaration', '\uFEFF'],
  ])('leaves %s to saxes', (_, decl) => {
    expect(fast(`${decl}<A/>`)).toBeUndefined();
  });

  it('leaves a non-UTF-8 declaration to saxes, which refuses it as not supported', () => {
    expect(saxesOutcome('<?xml version="1.0" encoding="windows-1258"?><A/>')).toBe('not-supported');
  });
});

describe('buildTreeFast: character data (XML 1.0 §2.4, §2.11, §4.1, §4.6)', () => {
  it.each([
    ['the five predefined entities', '&lt;&gt;&amp;&quot;&apos;', '<>&"\''],
    ['decimal and hexadecimal references', 'TR&#7846;N NGUY&#x1EC4;N nguy&#x1ec5;n', 'TRẦN NGUYỄN nguyễn'],
    ['astral references and leading zeros', '&#x1F600;&#128512;&#x0041;&#0065;', '😀😀AA'],
    ['escaped references stay text', '&amp;#x41; &amp;lt;', '&#x41; &lt;'],
    ['&#32; and &#xA0; at a run edge are trimmed', '&#32;a&#xA0;', 'a'],
    ['&#13; is not end-of-line handled', 'a&#13;b&#xD;&#10;c', 'a\rb\r\nc'],
    ['CR LF and a lone CR become LF', ' a\r\nb\rc\r\r\nd ', 'a\nb\nc\n\nd'],
    ['> and ] alone are text', 'a > b ]] ] >', 'a > b ]] ] >'],
  ])('%s', (_, raw, text) => {
    expect(both(`<A><B>${raw}</B></A>`)).toEqual({ A: { B: text } });
  });

  it('keeps CDATA untrimmed and undecoded, with line ends normalized', () => {
    expect(both('<A>\r\n <![CDATA[ &amp; <b>\r\n]]]> </A>')).toEqual({ A: ' &amp; <b>\n]' });
  });

  it('ends a run at CDATA, even an empty one', () => {
    expect(both('<A> x <![CDATA[]]> y </A>')).toEqual({ A: 'xy' });
    expect(both('<A> x <![CDATA[ c ]]> y </A>')).toEqual({ A: 'x c y' });
  });
});

describe('buildTreeFast: elements (XML 1.0 §3.1)', () => {
  it('reads self-closing elements, whitespace before > and />, and a self-closing root', () => {
    expect(both('<A><B/><C /><D\t></D\n ><E >x</E></A>')).toEqual({ A: { B: '', C: '', D: '', E: 'x' } });
    expect(both(`${DECL}<A/>\n`)).toEqual({ A: '' });
    expect(both('<A></A>')).toEqual({ A: '' });
  });

  it('turns repeated names into arrays in document order, keys in first-appearance order', () => {
    const tree = both('<R><A>1</A><B/><A>2</A><A><C>3</C></A></R>');
    expect(tree).toEqual({ R: { A: ['1', '2', { C: '3' }], B: '' } });
    expect(Object.keys((tree as { R: object }).R)).toEqual(['A', 'B']);
  });

  it('puts mixed text last under #text, runs trimmed and joined', () => {
    expect(both('<R> x <B>1</B> y <B>2</B><C/> z </R>')).toEqual({ R: { B: ['1', '2'], C: '', '#text': 'xyz' } });
  });

  it('prefixes names that shadow Object.prototype methods and refuses reserved ones as saxes does', () => {
    expect(both('<toString><valueOf>1</valueOf><hasOwnProperty/></toString>')).toEqual({ __toString: { __valueOf: '1', __hasOwnProperty: '' } });
    for (const xml of ['<R><__proto__>1</__proto__></R>', '<R><constructor/></R>', '<prototype/>']) {
      expect(() => fast(xml)).toThrow(/is reserved/);
      expect(() => fast(xml)).toThrow((() => {
        try {
          saxes(xml);
        } catch (err) {
          return (err as Error).message;
        }
        return 'saxes accepted it';
      })());
    }
  });

  it('reads 101 levels and leaves deeper nesting to saxes (too costly there)', () => {
    const deep = (n: number, inner = 'x') => `${'<A>'.repeat(n)}${inner}${'</A>'.repeat(n)}`;
    expect(JSON.stringify(both(deep(101)))).toContain('"x"');
    expect(both(deep(101, '<B/>'))).toBeDefined();
    expect(fast(deep(102))).toBeUndefined();
    expect(saxesOutcome(deep(102))).toBe('too-costly');
  });
});

describe('buildTreeFast: anything outside the subset is left to saxes', () => {
  it.each([
    ['an attribute', '<A a="1"/>'],
    ['an attribute on a child', '<A><B x=\'y\'>1</B></A>'],
    ['a comment', '<A><!-- c --></A>'],
    ['a comment before the root', '<!-- c --><A/>'],
    ['a processing instruction', '<A><?pi x?></A>'],
    ['a DTD', '<!DOCTYPE A><A/>'],
    ['another <! construct', '<A><!FOO></A>'],
    ['CDATA outside the root', '<![CDATA[x]]><A/>'],
    ['an undefined entity', '<A>&nbsp;</A>'],
    ['an uppercase &#X', '<A>&#X41;</A>'],
    ['a reference to NUL', '<A>&#0;</A>'],
    ['a reference to a surrogate', '<A>&#xD800;</A>'],
    ['a reference to U+FFFE', '<A>&#xFFFE;</A>'],
    ['a reference beyond U+10FFFF', '<A>&#x110000;</A>'],
    ['an empty reference', '<A>&#;</A>'],
    ['a bare ampersand', '<A>a & b</A>'],
    ['an entity without semicolon', '<A>&lt</A>'],
    ['a raw control character', '<A>\u0001</A>'],
    ['a raw U+FFFF', '<A>\uFFFF</A>'],
    ['a lone high surrogate', '<A>\uD800x</A>'],
    ['a lone low surrogate', '<A>\uDC00</A>'],
    [']]> in text', '<A>a]]>b</A>'],
    ['a mismatched end tag', '<A><B>1</C></A>'],
    ['an end tag naming a longer name', '<A><B>1</BC></A>'],
    ['an unclosed element', '<A><B>1</B>'],
    ['an unclosed CDATA section', '<A><![CDATA[x</A>'],
    ['text after the root', '<A/>x'],
    ['a second root', '<A/><A/>'],
    ['text before the root', 'x<A/>'],
    ['a non-ASCII name', '<TÊN>1</TÊN>'],
    ['a prefixed name', '<a:b>1</a:b>'],
    ['a name starting with a digit', '<1A/>'],
    ['space after <', '< A/>'],
    ['space after </', '<A></ A>'],
    ['space inside />', '<A/ >'],
    ['an empty document', ''],
    ['only whitespace', ' \n'],
    ['only a declaration', '<?xml version="1.0"?>'],
  ])('%s', (_, xml) => {
    expect(fast(xml)).toBeUndefined();
  });
});

describe('parseTable with the fast path', () => {
  it('gives the same records and documents as saxes alone', () => {
    const xml = `${DECL}<CHITIEU_CHITIET_THUOC><DSACH_CHI_TIET_THUOC><CHI_TIET_THUOC><STT>1</STT><GHI_CHU>x<B>1</B></GHI_CHU></CHI_TIET_THUOC>`
      + '<CHI_TIET_THUOC><STT>2</STT><MA_THUOC/></CHI_TIET_THUOC></DSACH_CHI_TIET_THUOC></CHITIEU_CHITIET_THUOC>';
    expect(fast(xml)).toBeDefined();
    expect(parseTable('XML2', xml, LOC).records).toEqual([{ STT: '1', GHI_CHU: '{"B":"1","#text":"x"}' }, { STT: '2', MA_THUOC: '' }]);
    expect(parseTable('XML99', xml, LOC).document).toEqual(saxes(xml).CHITIEU_CHITIET_THUOC);
  });

  it('still words errors through saxes, with line and column', () => {
    expect(() => parseTable('XML1', '<TONG_HOP>\n<HO_TEN>A</MA_LK>\n</TONG_HOP>', LOC)).toThrow(/line 2, column \d+/);
  });
});
