/**
 * Property-based bad-input campaign for the QĐ 130 envelope reader + mapQd130Episode (pure, no services).
 *
 * Property, for every input: either mapping returns episodes in which every produced resource
 * passes the FHIR R4 schema, every episode with resources has no issues, and every rejected episode
 * carries ≥ 1 issue with category, field and message; or it throws a MappingError with a non-empty
 * location. Never any other exception, never a slow case (a hang or an expansion shows as time).
 *
 * FUZZ_SEED=<n> replays a run, FUZZ_SCALE=<x> multiplies the case counts.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { isMappingError, MappingError } from '../../mappers/errors.js';
import type { Qd130Episode } from '../helpers/qd130.js';
import { FhirValidator } from '../../profiles/validate.js';
import { envelope } from '../../scripts/lib/qd130-synthetic.js';
import { mapEnvelope, TEST_SYSTEMS } from '../helpers/qd130.js';
import {
  anyMutation, anyString, applyMutation, CaseCounter, checkProperty, facilityCode, GOLDEN, goldenIndex, INNER_TAGS, MUTATIONS,
  OUTER_TAGS, runs, scaledMs, visible, xml1Case, xml1CaseEnvelope, xmlSoup, xmlTree, type Mutation,
} from './arbitraries.js';

/** One validator for the whole file (building it takes ~2 s). */
const validator = new FhirValidator();
const counter = new CaseCounter('mappers.fuzz', 30_000);
const started = Date.now();
afterAll(() => counter.printTotal(Date.now() - started));

/** Per-case time budget: mapping one envelope of ≤ 2 MB must never take longer (catches blow-ups and hangs). */
const CASE_BUDGET_MS = 3_000;

type Outcome = { kind: 'mapped'; episodes: Qd130Episode[] } | { kind: 'refused'; error: MappingError };

/** Decode bytes the way ingest does (streaming TextDecoder, not fatal: bad UTF-8 becomes U+FFFD). */
const decode = (bytes: Buffer) => new TextDecoder('utf-8').decode(bytes);

/** Map an envelope and check the property; returns the outcome for further, case-specific checks. */
function mapAndCheck(xml: string, map: (xml: string) => Qd130Episode[] = mapEnvelope): Outcome {
  const t0 = performance.now();
  let outcome: Outcome;
  try {
    outcome = { kind: 'mapped', episodes: map(xml) };
  } catch (err) {
    if (!isMappingError(err)) {
      const e = err as Error;
      throw new Error(`expected a MappingError or a result, got ${e?.name ?? typeof err}: ${e?.message ?? String(err)}\n${e?.stack?.split('\n').slice(1, 4).join('\n') ?? ''}`);
    }
    if (typeof err.location !== 'string' || err.location.trim() === '') throw new Error(`MappingError without a location: ${err.message}`);
    if (!err.message) throw new Error('MappingError without a message');
    outcome = { kind: 'refused', error: err };
  }
  const ms = performance.now() - t0;
  if (ms > CASE_BUDGET_MS) throw new Error(`mapping took ${Math.round(ms)} ms for ${xml.length} characters (budget ${CASE_BUDGET_MS} ms)`);
  if (outcome.kind === 'mapped') for (const episode of outcome.episodes) checkEpisode(episode);
  return outcome;
}

function checkEpisode({ mapping }: Qd130Episode): void {
  const where = `episode ${visible(JSON.stringify(mapping.key))}`;
  if (typeof mapping.key !== 'string' || typeof mapping.facility !== 'string') throw new Error(`${where}: key and facility must be strings`);
  if (mapping.issues.length > 0 && mapping.resources.length > 0) throw new Error(`${where}: has issues and resources at once`);
  if (mapping.issues.length === 0 && mapping.resources.length === 0) throw new Error(`${where}: accepted without resources`);
  for (const issue of mapping.issues) {
    for (const k of ['category', 'field', 'message'] as const) {
      if (typeof issue[k] !== 'string' || issue[k].trim() === '') throw new Error(`${where}: issue without ${k}: ${JSON.stringify(issue)}`);
    }
  }
  for (const resource of mapping.resources) {
    const problems = validator.validate(resource);
    if (problems.length) {
      throw new Error(`${where}: produced ${resource.resourceType} fails the FHIR R4 schema: ${visible(JSON.stringify(problems.slice(0, 3)))}\nresource: ${visible(JSON.stringify(resource)).slice(0, 400)}…`);
    }
  }
}

/** Map with the reader fed in pieces (as ingest streams it), to compare with mapping in one piece. */
function mapChunked(xml: string, cuts: number[]): Qd130Episode[] {
  const pieces = [...new Set(cuts.map((x) => x % (xml.length + 1)))].sort((a, b) => a - b);
  return mapEnvelope(xml, TEST_SYSTEMS, pieces);
}

const golden = (i: number) => GOLDEN[i]!;
const mutated = (i: number, m: Mutation) => decode(applyMutation(golden(i).xml, m));

describe('fuzz: QĐ 130 envelope reader + mapQd130Episode (pure)', () => {
  it('the golden envelopes themselves satisfy the property (sanity)', () => {
    expect(GOLDEN.length).toBeGreaterThanOrEqual(15);
    for (const g of GOLDEN) expect(mapAndCheck(g.xml).kind, g.name).toBe('mapped');
    counter.add('golden sanity', GOLDEN.length);
  }, 30_000);

  describe('(a) arbitrary and XML-ish text', () => {
    it('arbitrary strings as the envelope', async () => {
      await checkProperty(counter, 'arbitrary strings', fc.oneof(anyString(200), fc.string({ unit: 'binary', maxLength: 2000 })), (s) => {
        mapAndCheck(s);
      }, runs(3000), 8_000);
    }, scaledMs(15_000));

    it('XML token soup inside and outside a GIAMDINHHS root', async () => {
      await checkProperty(counter, 'xml soup (outer)', fc.tuple(xmlSoup(OUTER_TAGS), fc.boolean()), ([soup, wrap]) => {
        mapAndCheck(wrap ? `<GIAMDINHHS>${soup}</GIAMDINHHS>` : soup);
      }, runs(1500), 8_000);
    }, scaledMs(15_000));

    it('random well-formed element trees as the envelope', async () => {
      await checkProperty(counter, 'xml trees (outer)', xmlTree(OUTER_TAGS, 'GIAMDINHHS'), (xml) => {
        mapAndCheck(xml);
      }, runs(800), 8_000);
    }, scaledMs(15_000));

    it('random inner documents (trees, nesting, soup) as NOIDUNGFILE of a valid envelope', async () => {
      const inner = fc.oneof(xmlTree(INNER_TAGS), xmlTree(INNER_TAGS, 'TONG_HOP'), xmlSoup(INNER_TAGS));
      await checkProperty(counter, 'inner documents', fc.tuple(inner, fc.constantFrom('XML1', 'XML2', 'XML9', 'XML99')), ([doc, loai]) => {
        mapAndCheck(envelope('46001', [[[loai, doc]]]));
      }, runs(1000), 8_000);
    }, scaledMs(15_000));
  });

  describe('(b) mutations of the golden envelopes', () => {
    it('byte flips and inserted bytes', async () => {
      await checkProperty(counter, 'golden byte flips', fc.tuple(goldenIndex, MUTATIONS.byteFlip), ([i, m]) => {
        mapAndCheck(mutated(i, m));
      }, runs(1200), 8_000);
    }, scaledMs(15_000));

    it('truncation at any position', async () => {
      await checkProperty(counter, 'golden truncation', fc.tuple(goldenIndex, MUTATIONS.truncate), ([i, m]) => {
        const out = mapAndCheck(mutated(i, m));
        // An envelope cut before </GIAMDINHHS> is never complete.
        const text = mutated(i, m);
        if (!/<\/GIAMDINHHS>\s*$/.test(text)) expect(out.kind).toBe('refused');
      }, runs(600), 8_000);
    }, scaledMs(15_000));

    it('deleted, duplicated, renamed and rewritten tags (outer and inner)', async () => {
      await checkProperty(counter, 'golden tag edits', fc.tuple(goldenIndex, MUTATIONS.tags), ([i, m]) => {
        mapAndCheck(mutated(i, m));
      }, runs(1200), 8_000);
    }, scaledMs(15_000));

    it('corrupted base64 and corrupted inner documents in NOIDUNGFILE', async () => {
      await checkProperty(counter, 'golden NOIDUNGFILE corruption', fc.tuple(goldenIndex, MUTATIONS.base64), ([i, m]) => {
        const out = mapAndCheck(mutated(i, m));
        if (m.kind === 'base64' && m.op.op === 'empty' && out.kind === 'refused') expect(out.error.location).toMatch(/HOSO\[\d+\]\/FILEHOSO\[\d+\]/);
      }, runs(1200), 8_000);
    }, scaledMs(15_000));

    it('DOCTYPE / entities (billion laughs, external SYSTEM/PUBLIC, parameter entities) are refused as a security problem', async () => {
      await checkProperty(counter, 'golden DOCTYPE injection', fc.tuple(goldenIndex, MUTATIONS.doctype), ([i, m]) => {
        const out = mapAndCheck(mutated(i, m));
        expect(out.kind, 'a DTD must never be accepted').toBe('refused');
        if (out.kind === 'refused') expect(out.error.code).toBe('security');
      }, runs(300), 8_000);
    }, scaledMs(15_000));

    it('huge values, huge files and many HOSO', async () => {
      await checkProperty(counter, 'golden huge values', fc.tuple(goldenIndex, MUTATIONS.huge), ([i, m]) => {
        mapAndCheck(mutated(i, m));
      }, runs(40), 15_000);
    }, scaledMs(25_000));

    it('streaming: feeding the reader in random pieces gives the same outcome as one piece', async () => {
      await checkProperty(counter, 'chunked vs whole', fc.tuple(goldenIndex, fc.option(anyMutation, { freq: 3 }), fc.array(fc.nat(), { maxLength: 12 })), ([i, m, cuts]) => {
        const xml = m ? mutated(i, m) : golden(i).xml;
        const whole = mapAndCheck(xml);
        const chunked = mapAndCheck(xml, (x) => mapChunked(x, cuts));
        expect(chunked.kind).toBe(whole.kind);
        if (whole.kind === 'mapped' && chunked.kind === 'mapped') expect(chunked.episodes.map((e) => e.mapping)).toEqual(whole.episodes.map((e) => e.mapping));
        if (whole.kind === 'refused' && chunked.kind === 'refused') expect(chunked.error.code).toBe(whole.error.code);
      }, runs(500), 8_000);
    }, scaledMs(15_000));
  });

  describe('(c) random XML1 field values in a valid envelope', () => {
    it('arbitrary unicode, dates and CCCD strings in any XML1 field', async () => {
      await checkProperty(counter, 'xml1 field values', xml1Case(facilityCode), (c) => {
        mapAndCheck(xml1CaseEnvelope(c));
      }, runs(2000), 10_000);
    }, scaledMs(20_000));
  });
});
