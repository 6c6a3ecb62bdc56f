/**
 * Differential property test of the fast inner-document reader against saxes. Documents come from a
 * grammar of the simple subset and of the constructs just outside it (attributes, comments, PIs, bad
 * references, control characters, CR LF, mismatched tags, non-ASCII names, text after the root, deep
 * nesting, `]]>`), and from random edits of valid and real (golden) documents. Property: whenever
 * `buildTreeFast` gives a tree, saxes' `buildTree` accepts the document and gives the very same tree
 * (same JSON, so same key order); when it throws, saxes throws the same error.
 *
 * FUZZ_SEED=<n> replays a run, FUZZ_SCALE=<x> multiplies the case counts (test/fuzz/arbitraries.ts).
 */
import fc from 'fast-check';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { makeXml1, xml1Document } from '../../scripts/lib/qd130-synthetic.js';
import { CaseCounter, checkProperty, GOLDEN, runs, scaledMs, visible } from '../../test/fuzz/arbitraries.js';
import { buildTreeFast } from './simple-xml.js';
import { buildTree, parseTable, type TableRecord } from './tables.js';

const LOC = 'fuzz';
// Time limits are hang guards, not speed checks: generous, so a loaded CI machine (tests run in parallel) does not interrupt them.
const counter = new CaseCounter('simple-xml.fuzz', 90_000);
const started = Date.now();
afterAll(() => counter.printTotal(Date.now() - started));

/** How each case ended, to show (and check) that both sides of the subset were exercised. */
let seen = { fast: 0, fallbackAccepted: 0, fallbackRefused: 0, reserved: 0 };
const summary = () => `(fast ${seen.fast}, saxes only: accepted ${seen.fallbackAccepted} / refused ${seen.fallbackRefused}, reserved names ${seen.reserved})`;

function attempt<T>(fn: () => T): { value: T } | { error: Error } {
  try {
    return { value: fn() };
  } catch (err) {
    return { error: err as Error };
  }
}

/** The property, for one document. */
function differential(xml: string, loai = 'XML99'): void {
  const fast = attempt(() => buildTreeFast(loai, xml, LOC));
  const slow = attempt(() => buildTree(loai, xml, LOC));
  const where = `document ${visible(JSON.stringify(xml)).slice(0, 600)}`;
  if ('error' in fast) {
    if (!('error' in slow) || slow.error.message !== fast.error.message) throw new Error(`fast threw ${fast.error.message}, saxes ${'error' in slow ? `threw ${slow.error.message}` : 'accepted'}: ${where}`);
    seen.reserved += 1;
  } else if (fast.value === undefined) {
    if ('error' in slow) seen.fallbackRefused += 1;
    else seen.fallbackAccepted += 1;
  } else {
    if ('error' in slow) throw new Error(`fast accepted but saxes refused (${slow.error.message}): ${where}`);
    const [a, b] = [JSON.stringify(fast.value), JSON.stringify(slow.value)];
    if (a !== b) throw new Error(`trees differ:\n fast  ${visible(a).slice(0, 400)}\n saxes ${visible(b).slice(0, 400)}\n${where}`);
    seen.fast += 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Grammar
// ---------------------------------------------------------------------------------------------

const NAMES = ['A', 'B', 'MA_LK', 'HO_TEN', 'CHI_TIET_THUOC', 'x.y-z_1', '_a', 'A1', 'toString', 'hasOwnProperty'];
const OUTSIDE_NAMES = ['a:b', 'TÊN', 'Đ', '1A', '-A', '.A', 'A\u00b7B', 'A\u0301', 'xml', '__proto__', 'constructor'];

/** Character data pieces of the subset: plain text, allowed references, line ends, `>`, `]`. */
const TEXT_PIECES = [
  ' ', '  ', '\n', '\n  ', '\r\n', '\r', '\t', 'x', 'NGUYỄN VĂN A', '46001', '>', ']', ']]', ']>', '&lt;', '&gt;', '&amp;', '&quot;',
  '&apos;', '&#32;', '&#x20;', '&#13;', '&#xD;', '&#10;', '&#9;', '&#xA0;', '&#x1EC4;', '&#7846;', '&#x1F600;', '&#128512;', '&#x0041;',
  '&#0000065;', '&#x10FFFF;', '&#xE000;', '&#xFFFD;', '&#xD7FF;', '\u00a0', '\u2028', '\u0085', '\u007f', '😀', 'e\u0301',
];
/** Just outside: `]]>`, references to nothing or to code points §2.2 forbids, raw controls and lone surrogates, stray markup. */
const BAD_TEXT_PIECES = [
  ']]>', '&#X41;', '&#x;', '&#;', '&#0;', '&#x0;', '&#1;', '&#xD800;', '&#xDFFF;', '&#xFFFE;', '&#xFFFF;', '&#x110000;', '&#99999999;',
  '&#x000000041;', '&nbsp;', '&', '&amp', '&lt', '& ;', '&lt ;', '&AMP;', '\u0000', '\u0001', '\u000b', '\u001f', '\ufeff', '\ufffe',
  '\uffff', '\ud800', '\udc00', '\ud83d', '\ude00', '<', '</', '<!', '<?',
];
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const DECLS = [
  '', '', '', '<?xml version="1.0"?>', '<?xml version="1.0" encoding="utf-8"?>\n', "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>",
  '<?xml version = "1.0"  encoding="utf8" ?>\r\n', '<?xml version="1.0" standalone="no"?>',
];
const BAD_DECLS = [
  '<?xml version="1.1"?>', '<?xml version="1.0" encoding="latin1"?>', '<?xml version="1.0" encoding="windows-1258"?>', '<?xml encoding="utf-8"?>',
  '<?xml?>', '<?xml version="1.0"encoding="utf-8"?>', '<?xml version="1.0" standalone="maybe"?>', '\ufeff<?xml version="1.0"?>', ' <?xml version="1.0"?>',
];
const MISC = ['', '', '', ' ', '\n', '\r\n', '\t \n'];
const BAD_MISC = ['x', '<!-- c -->', '<?pi?>', '\ufeff', '&amp;', '<A/>', '<![CDATA[x]]>'];

/** `good` most of the time; in a hostile document, now and then something from `bad`. */
function mostly<T>(hostile: boolean, good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>, badWeight = 1): fc.Arbitrary<T> {
  return hostile ? fc.oneof({ arbitrary: good, weight: 15 }, { arbitrary: bad, weight: badWeight }) : good;
}

/** Elements and documents of the grammar: `hostile` ones mix in the constructs just outside the subset. */
function grammar(hostile: boolean): { element: fc.Arbitrary<string>; document: fc.Arbitrary<string> } {
  const name = mostly(hostile, fc.constantFrom(...NAMES), fc.constantFrom(...OUTSIDE_NAMES));
  const textPiece = mostly(hostile, fc.oneof({ arbitrary: fc.constantFrom(...TEXT_PIECES), weight: 4 }, fc.string({ unit: 'grapheme', maxLength: 8 }).map(escape)),
    fc.oneof(fc.constantFrom(...BAD_TEXT_PIECES), fc.string({ unit: 'binary', maxLength: 4 })), 2);
  const text = fc.array(textPiece, { minLength: 1, maxLength: 4 }).map((ps) => ps.join(''));
  const cdata = fc.array(fc.oneof(textPiece, fc.constantFrom('<b>', '&', ']]]', ']', '<![CDATA[', '--')), { maxLength: 4 })
    .map((ps) => `<![CDATA[${ps.join('').replace(/]]>/g, ']]')}]]>`);
  /** Markup that is not an element: all outside the subset but an empty CDATA section. */
  const otherMarkup = fc.constantFrom('<!-- c -->', '<!---->', '<?pi x?>', '<?xml version="1.0"?>', '<!FOO>', '<![CDATA[x', '<!DOCTYPE A>', '<![CDATA[]]>');
  const openTag = (n: string) => mostly(hostile, fc.constantFrom(`<${n}>`, `<${n} >`, `<${n}\r\n\t>`),
    fc.constantFrom(`<${n} a="1">`, `<${n} a='x&amp;'>`, `<${n} a>`, `< ${n}>`, `<${n}/ >`));
  const emptyTag = (n: string) => mostly(hostile, fc.constantFrom(`<${n}/>`, `<${n} />`, `<${n}></${n}>`),
    fc.constantFrom(`<${n} a="1"/>`, `<${n}/ >`, `<${n}>`));
  const closeTag = (n: string) => mostly(hostile, fc.constantFrom(`</${n}>`, `</${n} >`, `</${n}\n>`),
    fc.constantFrom(`</ ${n}>`, `</${n}x>`, '</B>', '', `</${n}></${n}>`, `</${n}>x`));
  const { element } = fc.letrec<{ element: string; content: string }>((tie) => ({
    element: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      name.chain((n) => emptyTag(n)),
      name.chain((n) => fc.tuple(openTag(n), tie('content'), closeTag(n)).map(([o, c, e]) => o + c + e)),
    ),
    content: fc.array(mostly(hostile, fc.oneof({ arbitrary: text, weight: 3 }, { arbitrary: tie('element'), weight: 3 }, cdata), otherMarkup), { maxLength: 5 })
      .map((xs) => xs.join('')),
  }));
  // One document in 12 sits 95–105 levels deep, around MAX_OPEN_ELEMENTS.
  const nest = fc.oneof({ arbitrary: fc.constant(null), weight: 11 }, { arbitrary: fc.tuple(fc.constantFrom('A', 'D'), fc.integer({ min: 95, max: 105 })), weight: 1 });
  const document = fc.tuple(mostly(hostile, fc.constantFrom(...DECLS), fc.constantFrom(...BAD_DECLS), 3), mostly(hostile, fc.constantFrom(...MISC), fc.constantFrom(...BAD_MISC), 2),
    element, mostly(hostile, fc.constantFrom(...MISC), fc.constantFrom(...BAD_MISC), 2), nest)
    .map(([decl, before, root, after, deep]) => {
      const body = deep ? `${`<${deep[0]}>`.repeat(deep[1])}${root}${`</${deep[0]}>`.repeat(deep[1])}` : root;
      return `${decl}${before}${body}${after}`;
    });
  return { element, document };
}
const [clean, hostile] = [grammar(false), grammar(true)];
const document = fc.oneof(clean.document, hostile.document);

// ---------------------------------------------------------------------------------------------
// Edits of valid and real documents
// ---------------------------------------------------------------------------------------------

/** Inner documents of the golden envelopes (real exports) and synthetic XML1 tables. */
const REAL: readonly string[] = [
  ...GOLDEN.flatMap((g) => [...g.xml.matchAll(/<NOIDUNGFILE>([\s\S]*?)<\/NOIDUNGFILE>/g)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64').toString('utf8'))),
  ...[1, 2, 3].map((seed) => xml1Document(makeXml1('46001', `LK${seed}`, seed))),
];
const EDIT_CHARS = ['<', '>', '&', ';', '/', '!', '?', '[', ']', '"', "'", '=', ' ', '\r', '\n', '\t', ':', '#', 'x', 'a', 'Đ', '\u0001', '\ud800', '-'];
type Edit = { at: number; del: number; ins: string };
const edits = fc.array(fc.record({ at: fc.nat(), del: fc.integer({ min: 0, max: 3 }), ins: fc.oneof(fc.constant(''), fc.constantFrom(...EDIT_CHARS)) }), { minLength: 1, maxLength: 2 });
function applyEdits(doc: string, es: Edit[]): string {
  let out = doc;
  for (const { at, del, ins } of es) {
    const p = at % (out.length + 1);
    out = out.slice(0, p) + ins + out.slice(p + del);
  }
  return out;
}

/** Records the way parseTable made them before the fast path (a full copy through Object.entries). */
function referenceRecords(tree: Record<string, unknown>, tag: string): TableRecord[] {
  const out: TableRecord[] = [];
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      if (key !== tag) walk(value);
      else for (const item of Array.isArray(value) ? value : [value]) {
        const record: TableRecord = {};
        if (item && typeof item === 'object') for (const [f, v] of Object.entries(item)) record[f] = v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
        out.push(record);
      }
    }
  };
  const root = Object.keys(tree)[0]!;
  walk(root === tag ? tree : tree[root]);
  return out;
}

describe('fuzz: buildTreeFast agrees with saxes wherever it gives a tree', () => {
  beforeEach(() => {
    seen = { fast: 0, fallbackAccepted: 0, fallbackRefused: 0, reserved: 0 };
  });

  it('documents from the grammar of the subset and its surroundings', async () => {
    await checkProperty(counter, 'grammar documents', document, (xml) => differential(xml), runs(8000), 30_000, summary);
    expect(seen.fast, 'the grammar must reach the fast path').toBeGreaterThan(runs(8000) / 4);
    expect(seen.fallbackRefused, 'and its surroundings').toBeGreaterThan(runs(8000) / 8);
    expect(seen.fallbackAccepted, 'including well-formed XML outside the subset').toBeGreaterThan(runs(8000) / 100);
  }, scaledMs(45_000));

  it('random edits (insert, delete, replace characters) of grammar documents', async () => {
    await checkProperty(counter, 'edited grammar documents', fc.tuple(clean.document, edits), ([xml, es]) => differential(applyEdits(xml, es)), runs(5000), 25_000, summary);
  }, scaledMs(45_000));

  it('random edits of real inner documents (golden envelopes, synthetic XML1)', async () => {
    expect(REAL.length).toBeGreaterThan(20);
    await checkProperty(counter, 'edited real documents', fc.tuple(fc.nat(REAL.length - 1), edits), ([i, es]) => differential(applyEdits(REAL[i]!, es), 'XML1'), runs(5000), 25_000, summary);
  }, scaledMs(45_000));

  it('parseTable records equal a full copy of the saxes tree', async () => {
    // XML2's record tag, CHI_TIET_THUOC, is also a name of the grammar: records nest, repeat and hold mixed content.
    const table = fc.tuple(clean.element, fc.constantFrom('R', 'CHI_TIET_THUOC'))
      .map(([e, root]) => `<${root}>${e}<CHI_TIET_THUOC><A>1</A>${e}</CHI_TIET_THUOC>${e}</${root}>`);
    let compared = 0;
    await checkProperty(counter, 'records', table, (xml) => {
      const tree = attempt(() => buildTree('XML2', xml, LOC));
      if ('error' in tree) return;
      expect(JSON.stringify(parseTable('XML2', xml, LOC).records)).toBe(JSON.stringify(referenceRecords(tree.value, 'CHI_TIET_THUOC')));
      compared += 1;
    }, runs(2000), 20_000, () => `(${compared} compared)`);
    expect(compared).toBeGreaterThan(runs(2000) / 2);
  }, scaledMs(45_000));
});
