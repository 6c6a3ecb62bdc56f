/**
 * Shared generators and mutators for the bad-input fuzz campaign (test/fuzz/*.fuzz.test.ts).
 * Not a test file itself: vitest only collects `*.test.ts`.
 *
 * Mutations are generated as small plain descriptors and applied inside the property, so a
 * failing case is printed (and shrunk) as e.g. `["cdata-diacritics.xml", {kind:"deleteTag",index:37}]`
 * instead of a 13 kB buffer. `applyMutation` is deterministic: the descriptor is the reproducer.
 */
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { envelope, makeXml1, xml1Document, type Xml1Fields } from '../../scripts/lib/qd130-synthetic.js';

// ---------------------------------------------------------------------------------------------
// Run configuration
// ---------------------------------------------------------------------------------------------

/**
 * FUZZ_SEED replays a run. Under CI the seed is fixed (a landing must not depend on luck); local runs
 * explore new inputs every time (the seed is printed, so any failure can be replayed).
 */
export const FUZZ_SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED)
  : process.env.CI ? 20261123 : Math.floor(Math.random() * 2 ** 31);
/** FUZZ_SCALE multiplies every numRuns for a longer campaign (default 1 keeps the suite short). */
export const FUZZ_SCALE = process.env.FUZZ_SCALE ? Math.max(0.01, Number(process.env.FUZZ_SCALE)) : 1;
export const runs = (n: number) => Math.max(1, Math.round(n * FUZZ_SCALE));
/** Time limits and budgets grow with FUZZ_SCALE (never shrink below the defaults). */
export const scaledMs = (ms: number) => Math.round(ms * Math.max(1, FUZZ_SCALE));

/** Case counts per property, printed as they finish and summed in afterAll. */
export class CaseCounter {
  private readonly counts = new Map<string, number>();
  private readonly startedAt = Date.now();
  /** `budgetMs` bounds the whole file: each property gets at most what is left of it. */
  constructor(private readonly suite: string, private readonly budgetMs: number) {
    this.budgetMs = scaledMs(budgetMs);
  }
  remainingMs(): number {
    return this.budgetMs - (Date.now() - this.startedAt);
  }
  add(name: string, cases: number, extra = ''): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + cases);
    console.log(`[fuzz] ${name}: ${cases} cases${extra}`);
  }
  total(): number {
    let t = 0;
    for (const n of this.counts.values()) t += n;
    return t;
  }
  printTotal(ms: number): void {
    console.log(`[fuzz] ${this.suite} total: ${this.total()} cases in ${this.counts.size} properties, ${(ms / 1000).toFixed(1)} s (seed ${FUZZ_SEED}, scale ${FUZZ_SCALE})`);
  }
}

/**
 * Run `predicate` on `numRuns` generated values with fc.check and report the number of cases actually
 * executed (generated runs plus shrink attempts when a counterexample was found). Runs and shrinking
 * are bounded by `timeLimitMs` and by what is left of the file's budget, so a failing HTTP property
 * cannot blow the suite's time budget; a property that cannot finish its runs in time fails
 * (slowness is a finding too). FUZZ_SEED and the
 * printed path replay a failure exactly.
 */
export async function checkProperty<T>(
  counter: CaseCounter,
  name: string,
  arbitrary: fc.Arbitrary<T>,
  predicate: (value: T) => void | Promise<void>,
  numRuns: number,
  timeLimitMs: number,
  summary: () => string = () => '',
): Promise<void> {
  let cases = 0;
  const limit = Math.max(1, Math.min(scaledMs(timeLimitMs), counter.remainingMs()));
  const details = await fc.check(fc.asyncProperty(arbitrary, async (value) => {
    cases += 1;
    await predicate(value);
  }), {
    numRuns,
    seed: FUZZ_SEED,
    includeErrorInReport: true,
    plugins: [fc.interruptAfterTimeLimit(limit, { failOnInterrupt: true })],
  });
  const extra = summary();
  counter.add(name, cases, `${extra ? ` ${extra}` : ''}${details.failed ? ` (FAILED after ${details.numRuns} runs; ${cases - details.numRuns} shrink attempts)` : ''}`);
  if (details.failed) {
    const err = details.errorInstance instanceof Error ? `\n${details.errorInstance.message}` : details.interrupted ? `\ninterrupted after ${limit} ms (property limit ${timeLimitMs} ms, file budget left ${Math.max(0, counter.remainingMs())} ms) with ${details.numRuns}/${numRuns} runs done` : '';
    const example = details.counterexample ? `\ncounterexample (escaped): ${visible(fc.stringify((details.counterexample as unknown[])[0]))}` : '';
    throw new Error(`[fuzz] ${name} failed${err}${example}\n\n${fc.defaultReportMessage(details)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Strings
// ---------------------------------------------------------------------------------------------

/** Values that have broken parsers, regexes, JSON, PostgreSQL or the FHIR schema somewhere. */
export const NASTY_STRINGS: readonly string[] = [
  '', ' ', '  ', '\t', '\r\n', '\n\n', '\u00a0', 'a\u00a0b', 'NGUYỄN\u00a0VĂN AN', 'Thôn\u00a0Phú', '\u2028', 'a\u2029b', '\u200b', '\ufeff',
  '\u3000', 'a\u3000b', '\u000b', '\f', 'a\u0085b', '\u0000', 'a\u0000b', '\u0001', '\u001f', '\u007f', '\ud800', 'a\udfffb', '\uffff',
  '\ufffe', ']]>', ']]]]><![CDATA[>', '<', '>', '&', '&amp;', '&lt;', '&#0;', '&#x0;', '&#xD800;', '&#1114112;', '&#x1F600;', '&foo;',
  '&amp', '<![CDATA[', '<!--', '-->', '<?', '?>', '"', "'", '\\', '\\u0000', 'NGUYỄN  VĂN', ' lead', 'trail ', 'a  b', 'a \t b', '١٢٣',
  '１２３', 'e\u0301', '😀', '𝒳', 'İı', 'ß', 'ǅ', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '%00', '%',
  '%zz', '../../etc/passwd', 'null', 'undefined', 'NaN', 'Infinity', '-1', '0', '00', '1e309', '99999999999999999999999999999',
  'J03;', ';;;', 'J03;;I10', ' J03 ; I10 ', 'j03', 'J03.9.1', 'Patient/x', 'x'.repeat(300), 'Đ'.repeat(100), 'https://x/y z',
  '{"a":1}', '[]', '${x}', "'; DROP TABLE records; --",
];

/** The part of the dictionary that storage (PostgreSQL text/jsonb) and the FHIR string/code patterns are known to be picky about. */
export const HOSTILE_STRINGS: readonly string[] = [
  '\u0000', 'a\u0000b', '\ud800', 'a\udfffb', '\u00a0', 'a\u00a0b', '\u2028', 'a\u2029b', '\u000b', 'a\fb', 'a\u0085b', 'a\ufeffb', '\u3000', 'a  b',
];

/** Anything at all: full Unicode (incl. lone surrogates), graphemes, ASCII and the dictionary. */
export function anyString(maxLength = 40): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...HOSTILE_STRINGS), weight: 2 },
    { arbitrary: fc.string({ unit: 'binary', maxLength }), weight: 3 },
    { arbitrary: fc.string({ unit: 'grapheme', maxLength }), weight: 2 },
    { arbitrary: fc.string({ unit: 'binary-ascii', maxLength }), weight: 2 },
    { arbitrary: fc.constantFrom(...NASTY_STRINGS), weight: 4 },
    { arbitrary: fc.tuple(fc.constantFrom(...NASTY_STRINGS), fc.string({ maxLength: 8 }), fc.constantFrom(...NASTY_STRINGS)).map(([a, b, c]) => `${b}${a}${b}${c}`), weight: 2 },
  );
}

/** Printable ASCII (what an HTTP header value may carry without the client refusing it). */
export const headerValue = (maxLength = 40) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });

// ---------------------------------------------------------------------------------------------
// Golden envelopes
// ---------------------------------------------------------------------------------------------

export interface Golden {
  name: string;
  xml: string;
}

const GOLDEN_DIR = new URL('../golden/qd130/', import.meta.url);
export const GOLDEN: readonly Golden[] = readdirSync(GOLDEN_DIR)
  .filter((f) => f.endsWith('.xml'))
  .sort()
  .map((name) => ({ name, xml: readFileSync(new URL(name, GOLDEN_DIR), 'utf8') }));

/** Outer (envelope) tags, XML1 fields and names that are special to JavaScript objects. */
export const OUTER_TAGS = ['GIAMDINHHS', 'THONGTINDONVI', 'MACSKCB', 'THONGTINHOSO', 'NGAYLAP', 'SOLUONGHOSO', 'DANHSACHHOSO', 'HOSO', 'FILEHOSO', 'LOAIHOSO', 'NOIDUNGFILE', 'CHUKYDONVI'];
export const XML1_FIELDS = Object.keys(makeXml1('46001', 'LK', 1)).concat(['NGAY_VAO_NOI_TRU', 'MA_NOI_DI', 'MA_NOI_DEN']);
export const INNER_TAGS = ['TONG_HOP', 'CHI_TIET_THUOC', 'DSACH_CHI_TIET_THUOC', 'DU_LIEU_GIAY_CHUNG_SINH', 'CHI_TIEU_DU_LIEU_GIAY_RA_VIEN', 'SO_CCCD_NND', ...XML1_FIELDS];
export const JS_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];
export const LOAIHOSO_VALUES = ['XML1', 'xml1', 'XML2', 'XML3', 'XML4', 'XML5', 'XML7', 'XML9', 'XML15', 'XML99', 'XML0', '', ' XML1 ', 'CONSTRUCTOR', '__proto__'];

/** Apply `fn` to the decoded bytes of the n-th (mod count) NOIDUNGFILE; the result is re-encoded as base64. */
export function mapNoiDungFile(xml: string, n: number, fn: (inner: Buffer) => Buffer | string): string {
  const re = /<NOIDUNGFILE>([\s\S]*?)<\/NOIDUNGFILE>/g;
  const count = xml.match(re)?.length ?? 0;
  if (count === 0) return xml;
  const target = n % count;
  let i = 0;
  return xml.replace(re, (whole, b64: string) => {
    if (i++ !== target) return whole;
    const out = fn(Buffer.from(b64.replace(/\s+/g, ''), 'base64'));
    return `<NOIDUNGFILE>${Buffer.from(out).toString('base64')}</NOIDUNGFILE>`;
  });
}

/** Point a golden envelope at another facility (outer MACSKCB and every inner MA_CSKCB), so a facility key may send it. */
export function retarget(xml: string, facility: string): string {
  let out = xml.replace(/<MACSKCB>[^<]*<\/MACSKCB>/, `<MACSKCB>${facility}</MACSKCB>`);
  const files = out.match(/<NOIDUNGFILE>/g)?.length ?? 0;
  for (let i = 0; i < files; i++) {
    out = mapNoiDungFile(out, i, (b) => b.toString('utf8').replace(/<MA_CSKCB>[^<]*<\/MA_CSKCB>/g, `<MA_CSKCB>${facility}</MA_CSKCB>`));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Mutations (descriptors + a deterministic apply)
// ---------------------------------------------------------------------------------------------

export type DoctypePayload = 'billion-laughs' | 'external-system' | 'external-public' | 'parameter-entity' | 'quadratic' | 'plain-doctype' | 'entity-only';

/** Byte/text level edits that apply to the outer envelope and to an inner document alike. */
export type TextMutation =
  | { kind: 'flip'; edits: Array<[pos: number, byte: number]> }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'deleteTag'; index: number }
  | { kind: 'deleteElement'; name: string; occurrence: number }
  | { kind: 'duplicateElement'; name: string; occurrence: number; times: number }
  | { kind: 'renameTag'; index: number; name: string }
  | { kind: 'setElement'; name: string; occurrence: number; value: string; cdata: boolean };

export type Base64Op =
  | { op: 'insertChar'; at: number; char: string }
  | { op: 'deleteChars'; at: number; count: number }
  | { op: 'swapChar'; at: number; char: string }
  | { op: 'truncate'; at: number }
  | { op: 'empty' }
  | { op: 'randomBytes'; bytes: number[] }
  | { op: 'reencode'; encoding: 'utf16le' | 'latin1' | 'utf16le-bom' | 'utf8-bom-twice' };

export type Mutation =
  | { kind: 'text'; mutation: TextMutation }
  | { kind: 'base64'; file: number; op: Base64Op }
  | { kind: 'inner'; file: number; mutation: TextMutation }
  | { kind: 'doctype'; level: 'outer' | 'inner'; file: number; payload: DoctypePayload }
  | { kind: 'huge'; target: 'outer-value' | 'inner-field' | 'many-hoso' | 'big-file' | 'many-codes'; name: string; size: number };

const pos = (n: number, len: number) => (len === 0 ? 0 : n % (len + 1));

function nthMatch(text: string, re: RegExp, n: number): RegExpExecArray | undefined {
  const all = [...text.matchAll(new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`))];
  return all.length ? (all[n % all.length] as RegExpExecArray) : undefined;
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const elementRe = (name: string) => new RegExp(`<${name}(?:\\s[^>]*)?>[\\s\\S]*?</${name}>|<${name}\\s*/>`, 'g');

/** Apply one text-level mutation to a document given as bytes (flips work on bytes, the rest on UTF-8 text). */
export function applyTextMutation(doc: Buffer, m: TextMutation): Buffer {
  switch (m.kind) {
    case 'flip': {
      const out = Buffer.from(doc);
      for (const [p, b] of m.edits) if (out.length) out[p % out.length] = b;
      return out;
    }
    case 'truncate':
      return doc.subarray(0, pos(m.at, doc.length));
    case 'insert': {
      const p = pos(m.at, doc.length);
      return Buffer.concat([doc.subarray(0, p), Buffer.from(m.text, 'utf8'), doc.subarray(p)]);
    }
    default:
      return Buffer.from(applyStringMutation(doc.toString('utf8'), m), 'utf8');
  }
}

function applyStringMutation(text: string, m: TextMutation): string {
  switch (m.kind) {
    case 'deleteTag': {
      const hit = nthMatch(text, /<[^<>]*>/, m.index);
      return hit ? text.slice(0, hit.index) + text.slice(hit.index + hit[0].length) : text;
    }
    case 'renameTag': {
      const hit = nthMatch(text, /<(\/?)([A-Za-z_][\w.:-]*)/, m.index);
      return hit ? `${text.slice(0, hit.index)}<${hit[1]}${m.name}${text.slice(hit.index + hit[0].length)}` : text;
    }
    case 'deleteElement': {
      const hit = nthMatch(text, elementRe(m.name), m.occurrence);
      return hit ? text.slice(0, hit.index) + text.slice(hit.index + hit[0].length) : text;
    }
    case 'duplicateElement': {
      const hit = nthMatch(text, elementRe(m.name), m.occurrence);
      return hit ? text.slice(0, hit.index) + hit[0].repeat(m.times + 1) + text.slice(hit.index + hit[0].length) : text;
    }
    case 'setElement': {
      const hit = nthMatch(text, elementRe(m.name), m.occurrence);
      const value = m.cdata ? `<![CDATA[${m.value}]]>` : escapeXml(m.value);
      return hit ? `${text.slice(0, hit.index)}<${m.name}>${value}</${m.name}>${text.slice(hit.index + hit[0].length)}` : text;
    }
    default:
      return text;
  }
}

function applyBase64Op(b64: string, op: Base64Op): string {
  switch (op.op) {
    case 'insertChar': {
      const p = pos(op.at, b64.length);
      return b64.slice(0, p) + op.char + b64.slice(p);
    }
    case 'deleteChars': {
      const p = pos(op.at, b64.length);
      return b64.slice(0, p) + b64.slice(p + op.count);
    }
    case 'swapChar': {
      if (!b64.length) return op.char;
      const p = op.at % b64.length;
      return b64.slice(0, p) + op.char + b64.slice(p + 1);
    }
    case 'truncate':
      return b64.slice(0, pos(op.at, b64.length));
    case 'empty':
      return '';
    case 'randomBytes':
      return Buffer.from(op.bytes).toString('base64');
    case 'reencode': {
      const text = Buffer.from(b64, 'base64').toString('utf8');
      const bytes = op.encoding === 'utf16le' ? Buffer.from(text, 'utf16le')
        : op.encoding === 'utf16le-bom' ? Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])
          : op.encoding === 'latin1' ? Buffer.from(text, 'latin1')
            : Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
      return bytes.toString('base64');
    }
  }
}

const LOL = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('');

/** A DTD (internal subset) and an entity reference to put in the document body. */
export function doctype(payload: DoctypePayload, root: string): { dtd: string; ref: string } {
  switch (payload) {
    case 'billion-laughs':
      return { dtd: `<!DOCTYPE ${root} [<!ENTITY lol0 "lol">${LOL}]>`, ref: '&lol9;' };
    case 'external-system':
      return { dtd: `<!DOCTYPE ${root} [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>`, ref: '&xxe;' };
    case 'external-public':
      return { dtd: `<!DOCTYPE ${root} PUBLIC "-//X//Y" "http://127.0.0.1:9/evil.dtd">`, ref: '&ext;' };
    case 'parameter-entity':
      return { dtd: `<!DOCTYPE ${root} [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]>`, ref: '&q;' };
    case 'quadratic':
      return { dtd: `<!DOCTYPE ${root} [<!ENTITY a "${'a'.repeat(50_000)}">]>`, ref: '&a;'.repeat(2000) };
    case 'plain-doctype':
      return { dtd: `<!DOCTYPE ${root}>`, ref: '' };
    case 'entity-only':
      return { dtd: `<!DOCTYPE ${root} [<!ENTITY e "MA_LK">]>`, ref: '&e;' };
  }
}

/** Put a DTD into the prolog (after the XML declaration when there is one) and a reference into the first element holding text. */
export function injectDoctype(text: string, payload: DoctypePayload, root: string, refInto: readonly string[]): string {
  const { dtd, ref } = doctype(payload, root);
  const decl = /^\uFEFF?<\?xml[^>]*\?>/.exec(text);
  const at = decl ? decl[0].length : text.startsWith('\uFEFF') ? 1 : 0;
  let out = `${text.slice(0, at)}${dtd}${text.slice(at)}`;
  for (const name of refInto) {
    const re = new RegExp(`<${name}>`);
    if (re.test(out)) {
      out = out.replace(re, `<${name}>${ref}`);
      break;
    }
  }
  return out;
}

/** Apply a mutation descriptor to an envelope; returns the bytes a client would send. */
export function applyMutation(xml: string, m: Mutation): Buffer {
  switch (m.kind) {
    case 'text':
      return applyTextMutation(Buffer.from(xml, 'utf8'), m.mutation);
    case 'base64': {
      const re = /<NOIDUNGFILE>([\s\S]*?)<\/NOIDUNGFILE>/g;
      const count = xml.match(re)?.length ?? 0;
      let i = 0;
      return Buffer.from(count === 0 ? xml : xml.replace(re, (whole, b64: string) => (i++ === m.file % count ? `<NOIDUNGFILE>${applyBase64Op(b64.trim(), m.op)}</NOIDUNGFILE>` : whole)), 'utf8');
    }
    case 'inner':
      return Buffer.from(mapNoiDungFile(xml, m.file, (inner) => applyTextMutation(inner, m.mutation)), 'utf8');
    case 'doctype':
      return Buffer.from(m.level === 'outer'
        ? injectDoctype(xml, m.payload, 'GIAMDINHHS', ['NGAYLAP', 'MACSKCB', 'LOAIHOSO'])
        : mapNoiDungFile(xml, m.file, (inner) => injectDoctype(inner.toString('utf8'), m.payload, 'TONG_HOP', ['HO_TEN', 'MA_LK', 'DIA_CHI', 'TONG_HOP'])), 'utf8');
    case 'huge': {
      const big = m.name === 'MA_BENH_KT' || m.target === 'many-codes' ? 'J03;'.repeat(Math.ceil(m.size / 4)) : 'Đ'.repeat(Math.ceil(m.size / 2));
      switch (m.target) {
        case 'outer-value':
          return applyTextMutation(Buffer.from(xml, 'utf8'), { kind: 'setElement', name: m.name, occurrence: 0, value: big, cdata: false });
        case 'inner-field':
        case 'many-codes':
          return Buffer.from(mapNoiDungFile(xml, 0, (inner) => applyTextMutation(inner, { kind: 'setElement', name: m.target === 'many-codes' ? 'MA_BENH_KT' : m.name, occurrence: 0, value: big, cdata: false })), 'utf8');
        case 'many-hoso':
          return applyTextMutation(Buffer.from(xml, 'utf8'), { kind: 'duplicateElement', name: 'HOSO', occurrence: 0, times: Math.ceil(m.size / 2000) });
        case 'big-file':
          return Buffer.from(mapNoiDungFile(xml, 0, (inner) => inner.toString('utf8').replace('</TONG_HOP>', `<GHI_CHU>${big}</GHI_CHU></TONG_HOP>`)), 'utf8');
      }
    }
  }
}

const byte = fc.integer({ min: 0, max: 255 });
const b64char = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split(''));
const nonB64char = fc.constantFrom('=', '-', '_', '!', '.', '\u00e9', ' ', '\n', '&amp;', '<![CDATA[x]]>', '%', '==', 'A=', '\t');

/** Text mutations; `names` are the element names the structural edits aim at. */
export function textMutation(names: readonly string[]): fc.Arbitrary<TextMutation> {
  const name = fc.constantFrom(...names);
  return fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), edits: fc.array(fc.tuple(fc.nat(), byte), { minLength: 1, maxLength: 8 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(anyString(20), fc.constantFrom('<', '</', '<HOSO>', '</HOSO>', '<![CDATA[', ']]>', '<!--', '&', '&#0;', '<?pi x?>', '\u0000', '<x:y xmlns:x="u">', '</GIAMDINHHS><GIAMDINHHS>')) }),
    fc.record({ kind: fc.constant('deleteTag' as const), index: fc.nat() }),
    fc.record({ kind: fc.constant('deleteElement' as const), name, occurrence: fc.nat({ max: 5 }) }),
    fc.record({ kind: fc.constant('duplicateElement' as const), name, occurrence: fc.nat({ max: 5 }), times: fc.integer({ min: 1, max: 3 }) }),
    fc.record({ kind: fc.constant('renameTag' as const), index: fc.nat(), name: fc.constantFrom(...names, ...JS_NAMES, 'hoso', 'X', 'a:b', 'TONG_HOP') }),
    fc.record({ kind: fc.constant('setElement' as const), name, occurrence: fc.nat({ max: 5 }), value: anyString(30), cdata: fc.boolean() }),
  );
}

export const base64Op: fc.Arbitrary<Base64Op> = fc.oneof(
  fc.record({ op: fc.constant('insertChar' as const), at: fc.nat(), char: fc.oneof(b64char, nonB64char) }),
  fc.record({ op: fc.constant('deleteChars' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 7 }) }),
  fc.record({ op: fc.constant('swapChar' as const), at: fc.nat(), char: b64char }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.constant({ op: 'empty' as const }),
  fc.record({ op: fc.constant('randomBytes' as const), bytes: fc.array(byte, { maxLength: 64 }) }),
  fc.record({ op: fc.constant('reencode' as const), encoding: fc.constantFrom('utf16le' as const, 'latin1' as const, 'utf16le-bom' as const, 'utf8-bom-twice' as const) }),
);

export const doctypePayload = fc.constantFrom<DoctypePayload>('billion-laughs', 'external-system', 'external-public', 'parameter-entity', 'quadratic', 'plain-doctype', 'entity-only');

export const MUTATIONS = {
  byteFlip: fc.record({ kind: fc.constant('text' as const), mutation: fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), edits: fc.array(fc.tuple(fc.nat(), byte), { minLength: 1, maxLength: 8 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: anyString(12) }),
  ) }) as fc.Arbitrary<Mutation>,
  truncate: fc.record({ kind: fc.constant('text' as const), mutation: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) }) as fc.Arbitrary<Mutation>,
  tags: fc.oneof(
    fc.record({ kind: fc.constant('text' as const), mutation: textMutation(OUTER_TAGS).filter((m) => m.kind !== 'flip' && m.kind !== 'truncate') }),
    fc.record({ kind: fc.constant('inner' as const), file: fc.nat({ max: 5 }), mutation: textMutation(INNER_TAGS).filter((m) => m.kind !== 'flip' && m.kind !== 'truncate') }),
    fc.record({ kind: fc.constant('text' as const), mutation: fc.record({ kind: fc.constant('setElement' as const), name: fc.constant('LOAIHOSO'), occurrence: fc.nat({ max: 5 }), value: fc.constantFrom(...LOAIHOSO_VALUES), cdata: fc.boolean() }) }),
  ) as fc.Arbitrary<Mutation>,
  base64: fc.oneof(
    fc.record({ kind: fc.constant('base64' as const), file: fc.nat({ max: 5 }), op: base64Op }),
    fc.record({ kind: fc.constant('inner' as const), file: fc.nat({ max: 5 }), mutation: textMutation(INNER_TAGS) }),
  ) as fc.Arbitrary<Mutation>,
  doctype: fc.record({ kind: fc.constant('doctype' as const), level: fc.constantFrom('outer' as const, 'inner' as const), file: fc.nat({ max: 5 }), payload: doctypePayload }) as fc.Arbitrary<Mutation>,
  huge: fc.oneof(
    fc.record({ kind: fc.constant('huge' as const), target: fc.constant('outer-value' as const), name: fc.constantFrom('MACSKCB', 'NGAYLAP', 'SOLUONGHOSO', 'LOAIHOSO', 'CHUKYDONVI'), size: fc.integer({ min: 10_000, max: 1_000_000 }) }),
    fc.record({ kind: fc.constant('huge' as const), target: fc.constant('inner-field' as const), name: fc.constantFrom('HO_TEN', 'MA_LK', 'SO_CCCD', 'DIA_CHI', 'MA_BN', 'MA_THE_BHYT', 'MA_KHOA', 'CHAN_DOAN_RV', 'DIEN_THOAI'), size: fc.integer({ min: 10_000, max: 1_000_000 }) }),
    fc.record({ kind: fc.constant('huge' as const), target: fc.constantFrom('many-hoso' as const, 'big-file' as const, 'many-codes' as const), name: fc.constant(''), size: fc.integer({ min: 10_000, max: 1_000_000 }) }),
  ) as fc.Arbitrary<Mutation>,
};

export const anyMutation: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: MUTATIONS.byteFlip, weight: 3 },
  { arbitrary: MUTATIONS.truncate, weight: 2 },
  { arbitrary: MUTATIONS.tags, weight: 3 },
  { arbitrary: MUTATIONS.base64, weight: 3 },
  { arbitrary: MUTATIONS.doctype, weight: 1 },
);

export const goldenIndex = fc.nat({ max: GOLDEN.length - 1 });

// ---------------------------------------------------------------------------------------------
// Random XML-ish documents
// ---------------------------------------------------------------------------------------------

const tagName = (names: readonly string[]) => fc.oneof(
  { arbitrary: fc.constantFrom(...names), weight: 6 },
  { arbitrary: fc.constantFrom(...JS_NAMES), weight: 1 },
  { arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,12}$/), weight: 2 },
);

interface XNode { name: string; attrs: Array<[string, string]>; children: Array<XNode | string> }

const xmlText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 16 }).map(escapeXml),
  fc.constantFrom('46001', 'XML1', 'J03', '046090001234', '202502100830', '1', '&amp;', '&#x41;', '<![CDATA[<x>&]]>', '<!-- c -->', ' '),
);

function serialize(n: XNode | string): string {
  if (typeof n === 'string') return n;
  const attrs = n.attrs.map(([k, v]) => ` ${k}="${escapeXml(v).replace(/"/g, '&quot;')}"`).join('');
  return n.children.length === 0 ? `<${n.name}${attrs}/>` : `<${n.name}${attrs}>${n.children.map(serialize).join('')}</${n.name}>`;
}

/** A well-formed random element tree over `names`, optionally wrapped in `nest` levels of one tag. */
export function xmlTree(names: readonly string[], root?: string): fc.Arbitrary<string> {
  const { node } = fc.letrec<{ node: XNode }>((tie) => ({
    node: fc.record({
      name: tagName(names),
      attrs: fc.array(fc.tuple(fc.constantFrom('a', 'xmlns:xsi', 'id', 'STT'), fc.string({ maxLength: 6 })), { maxLength: 2 }).map((as) => [...new Map(as)]),
      children: fc.array(fc.oneof({ depthSize: 'small' }, xmlText, tie('node')), { maxLength: 4 }),
    }),
  }));
  const nesting = fc.oneof(
    { arbitrary: fc.constant(null), weight: 6 },
    { arbitrary: fc.tuple(tagName(names), fc.integer({ min: 1, max: 30 })), weight: 2 },
    { arbitrary: fc.tuple(tagName(names), fc.integer({ min: 90, max: 400 })), weight: 1 },
  );
  return fc.tuple(node, nesting, fc.boolean()).map(([n, nest, decl]) => {
    let body = serialize(root ? { ...n, name: root } : n);
    if (nest) body = `${`<${nest[0]}>`.repeat(nest[1])}${body}${`</${nest[0]}>`.repeat(nest[1])}`;
    return `${decl ? '<?xml version="1.0" encoding="utf-8"?>\n' : ''}${body}`;
  });
}

/** Token soup: XML punctuation, real tags, entities, CDATA, base64 and random text. */
export function xmlSoup(names: readonly string[]): fc.Arbitrary<string> {
  const tokens = fc.oneof(
    fc.constantFrom('<', '>', '</', '/>', '<?xml version="1.0" encoding="utf-8"?>', '<?xml version="1.1"?>', '<!--', '-->', '<![CDATA[', ']]>',
      '<!DOCTYPE GIAMDINHHS>', '&amp;', '&#x41;', '&#0;', '&', '&lt', '"', "'", '=', ' ', '\n', '\u0000', '\ufeff', '<a:b xmlns:a="x">', '</a:b>',
      Buffer.from(xml1Document(makeXml1('46001', 'LK1', 3))).toString('base64')),
    fc.constantFrom(...names).map((t) => `<${t}>`),
    fc.constantFrom(...names).map((t) => `</${t}>`),
    fc.constantFrom(...JS_NAMES).map((t) => `<${t}>`),
    anyString(10),
  );
  return fc.array(tokens, { maxLength: 60 }).map((ts) => ts.join(''));
}

// ---------------------------------------------------------------------------------------------
// XML1 field values
// ---------------------------------------------------------------------------------------------

const DATE_FIELDS = new Set(['NGAY_SINH', 'NGAY_VAO', 'NGAY_RA', 'NGAY_VAO_NOI_TRU', 'NGAY_TTOAN', 'GT_THE_TU', 'GT_THE_DEN']);
const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** HIS dates: plausible, boundary and impossible (month 13, day 32, hour 24, year 0000/9999, 00 parts). */
export const hisDate: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 19 }), fc.integer({ min: 0, max: 39 }), fc.integer({ min: 0, max: 29 }), fc.integer({ min: 0, max: 69 }), fc.boolean())
    .map(([y, mo, d, h, mi, long]) => `${pad(y, 4)}${pad(mo, 2)}${pad(d, 2)}${long ? `${pad(h, 2)}${pad(mi, 2)}` : ''}`),
  fc.date({ min: new Date('1850-01-01T00:00:00Z'), max: new Date('2200-12-31T00:00:00Z'), noInvalidDate: true })
    .map((d) => d.toISOString().replace(/[-T:]/g, '').slice(0, 12)),
  fc.constantFrom('', '0', '20250230', '20240229', '20230229', '202502100830 ', ' 20250210', '2025-02-10', '２０２５０２１００８３０', '20250210083', '2025021008300', '000000000000', '185001010000', '220012312359', '190001010000'),
  anyString(14),
);

/** CCCD strings: valid-looking, wrong length, unknown province, century 4–9, letters, spaces, non-ASCII digits. */
export const cccd: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.constantFrom('001', '046', '051', '079', '003', '099', '000', '096'), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 999_999 }))
    .map(([p, c, y, r]) => `${p}${c}${pad(y, 2)}${pad(r, 6)}`),
  fc.stringMatching(/^\d{0,15}$/),
  fc.constantFrom('', ' ', '04609000123', '0460900012345', '04609A001234', '046 090 001 234', '０４６０９０００１２３４', '046090001234;046090001235', '123456789', '_source', '__proto__'),
  anyString(14),
);

/** Overrides for XML1 fields: a few fuzzed fields on a valid record (or every field, when `all`). */
export function xml1Overrides(): fc.Arbitrary<{ all: boolean; fields: Xml1Fields }> {
  const value = (field: string): fc.Arbitrary<string> => {
    if (DATE_FIELDS.has(field)) return hisDate;
    if (field === 'SO_CCCD') return cccd;
    if (field === 'MA_THE_BHYT') return fc.oneof(anyString(30), fc.array(fc.oneof(cccd, fc.constantFrom('GD4461234567890', 'HT3515112233445')), { maxLength: 3 }).map((xs) => xs.join(';')));
    if (field === 'MA_BENH_KT' || field === 'MA_BENH_CHINH') return fc.oneof(anyString(20), fc.array(fc.constantFrom('J03', 'J18.9', 'I10', 'S52.50', 'j03', 'J03 ', 'X', 'A0', 'Z99.9999', ''), { maxLength: 14 }).map((xs) => xs.join(';')));
    return anyString(30);
  };
  const one = fc.constantFrom(...XML1_FIELDS).chain((f) => value(f).map((v) => [f, v] as const));
  return fc.oneof(
    { arbitrary: fc.array(one, { minLength: 1, maxLength: 6 }).map((kv) => ({ all: false, fields: Object.fromEntries(kv) })), weight: 4 },
    { arbitrary: fc.tuple(...XML1_FIELDS.map((f) => fc.option(value(f), { nil: undefined }))).map((vs) => ({ all: true, fields: Object.fromEntries(XML1_FIELDS.map((f, i) => [f, vs[i]]).filter((kv): kv is [string, string] => kv[1] !== undefined)) })), weight: 1 },
  );
}

/** A valid XML1 record with the overrides applied (or only the overrides, when `all`), and extra tables. */
export interface Xml1Case {
  facility: string;
  seed: number;
  overrides: { all: boolean; fields: Xml1Fields };
  extra: Array<'XML9-mother' | 'second-XML1' | 'unknown-table' | 'XML2'>;
}

export const xml1Case = (facility: fc.Arbitrary<string>): fc.Arbitrary<Xml1Case> => fc.record({
  facility,
  seed: fc.nat(),
  overrides: xml1Overrides(),
  extra: fc.subarray(['XML9-mother', 'second-XML1', 'unknown-table', 'XML2'] as Array<'XML9-mother' | 'second-XML1' | 'unknown-table' | 'XML2'>, { maxLength: 2 }),
});

/** Build the envelope of an Xml1Case (the envelope helper does not escape MACSKCB: a wild facility may break the XML, which is fine). */
export function xml1CaseEnvelope(c: Xml1Case): string {
  const fields = c.overrides.all ? c.overrides.fields : makeXml1(c.facility, `LK-${c.seed}`, c.seed, c.overrides.fields);
  const files: Array<[string, string]> = [['XML1', xml1Document(fields)]];
  for (const e of c.extra) {
    if (e === 'XML9-mother') files.push(['XML9', `<?xml version="1.0" encoding="utf-8"?><CHI_TIEU_DU_LIEU_GIAY_CHUNG_SINH><DSACH_GIAYCHUNGSINH><DU_LIEU_GIAY_CHUNG_SINH><MA_LK>${escapeXml(fields.MA_LK ?? '')}</MA_LK><SO_CCCD_NND>${escapeXml(fields.SO_CCCD ?? '')}</SO_CCCD_NND></DU_LIEU_GIAY_CHUNG_SINH></DSACH_GIAYCHUNGSINH></CHI_TIEU_DU_LIEU_GIAY_CHUNG_SINH>`]);
    if (e === 'second-XML1') files.push(['XML1', xml1Document(makeXml1(c.facility, `LK-${c.seed}-b`, c.seed + 1))]);
    if (e === 'unknown-table') files.push(['XML99', '<ROOT><A>1</A><A>2</A></ROOT>']);
    if (e === 'XML2') files.push(['XML2', `<CHITIEU_CHITIET_THUOC><DSACH_CHI_TIET_THUOC><CHI_TIET_THUOC><MA_LK>${escapeXml(fields.MA_LK ?? '')}</MA_LK><TEN_THUOC>${escapeXml(fields.HO_TEN ?? '')}</TEN_THUOC></CHI_TIET_THUOC></DSACH_CHI_TIET_THUOC></CHITIEU_CHITIET_THUOC>`]);
  }
  return envelope(c.facility, [files]);
}

/** Facility codes: mostly well-formed, sometimes not (lowercase, short, with markup). */
export const facilityCode = fc.oneof(
  { arbitrary: fc.stringMatching(/^[0-9]{5}$/), weight: 6 },
  { arbitrary: fc.constantFrom('46001', '5110A', 'abcde', '4600', '460011', '', ' 46001', '46\u00a001', 'Đ6001'), weight: 2 },
  { arbitrary: anyString(8), weight: 1 },
);

/** Make invisible and look-alike characters visible in messages (NBSP, U+2028, controls, lone surrogates, …). */
export function visible(s: string): string {
  return s.replace(/[^\x21-\x7e\u00c0-\u024f\u1e00-\u1eff ]/gu, (c) => (c.length === 1 ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c));
}
