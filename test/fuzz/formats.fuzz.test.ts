/**
 * Properties every registered format must satisfy (mappers/registry.ts), with nothing
 * format-specific: a new format is fuzzed by adding it to the registry with its golden folder.
 *
 * For any input, reading it with the format's reader and running every item through the pure
 * stages (mapping, structural identity, FHIR builders) either yields records in which each record
 * has issues or resources but not both, every issue names a category, field and message, and every
 * resource passes the FHIR R4 schema; or it throws a MappingError with a location. Never another
 * exception, never slow. Feeding the reader the same text in arbitrary pieces gives the same result.
 *
 * QĐ 130's own, deeper campaign (envelope mutations, base64, DOCTYPE payloads) is mappers.fuzz.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMappingError } from '../../mappers/errors.js';
import type { FormatMapper, FormatOptions } from '../../mappers/contract.js';
import { FORMATS } from '../../mappers/registry.js';
import { FhirValidator } from '../../profiles/validate.js';
import { mapSource } from '../helpers/formats.js';
import { anyString, CaseCounter, checkProperty, runs, scaledMs, visible } from './arbitraries.js';

const validator = new FhirValidator();
const counter = new CaseCounter('formats.fuzz', 40_000);
const started = Date.now();
afterAll(() => counter.printTotal(Date.now() - started));
const CASE_BUDGET_MS = 3_000;
const ROOT = new URL('../../', import.meta.url);

/** The golden inputs of a format (its folder minus expected outputs and README), with the options each is mapped with. */
function goldenInputs(format: FormatMapper<unknown>): Array<{ text: string; options: FormatOptions }> {
  const dir = new URL(`${format.goldenDir}/`, ROOT);
  return readdirSync(dir).filter((f) => !f.endsWith('.expected.json') && !/^README/i.test(f)).sort()
    .map((f) => ({ text: readFileSync(new URL(f, dir), 'utf8'), options: format.goldenCaseOptions?.(f) ?? {} }));
}

type Outcome = { kind: 'mapped'; records: ReturnType<typeof mapSource> } | { kind: 'refused'; location: string };

function mapAndCheck(format: FormatMapper<unknown>, text: string, options: FormatOptions, pieces?: number[]): Outcome {
  const t0 = performance.now();
  let outcome: Outcome;
  try {
    outcome = { kind: 'mapped', records: mapSource(format, text, { validator, options, ...(pieces ? { pieces } : {}) }) };
  } catch (err) {
    if (!isMappingError(err)) throw new Error(`expected a MappingError or records, got ${(err as Error)?.name}: ${(err as Error)?.message}\n${(err as Error)?.stack?.split('\n').slice(1, 4).join('\n')}`);
    if (!err.location?.trim() || !err.message) throw new Error(`MappingError without location or message: ${err.message}`);
    outcome = { kind: 'refused', location: err.location };
  }
  const ms = performance.now() - t0;
  if (ms > CASE_BUDGET_MS) throw new Error(`${format.format}: ${Math.round(ms)} ms for ${text.length} characters`);
  if (outcome.kind === 'mapped') {
    for (const { golden, record } of outcome.records) {
      const where = `${format.format} record ${visible(JSON.stringify(golden.key))}`;
      if (record.issues.length > 0 && golden.resources.length > 0) throw new Error(`${where}: issues and resources at once`);
      if (record.issues.length === 0 && golden.resources.length === 0) throw new Error(`${where}: accepted without resources`);
      for (const issue of record.issues) {
        for (const k of ['category', 'field', 'message'] as const) {
          if (typeof issue[k] !== 'string' || issue[k].trim() === '') throw new Error(`${where}: issue without ${k}: ${visible(JSON.stringify(issue))}`);
        }
      }
    }
  }
  return outcome;
}

/** A byte-level edit of a text: flip, insert, delete a span, duplicate a span, truncate. */
const edit = fc.record({
  kind: fc.constantFrom('flip', 'insert', 'delete', 'duplicate', 'truncate'),
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  len: fc.integer({ min: 1, max: 64 }),
  char: fc.oneof(fc.constantFrom('<', '>', '&', '"', '|', ',', '\n', '\r', '\u0000', '\uFFFD', 'Ệ', ']]>'), fc.string({ maxLength: 3 })),
});
function applyEdit(text: string, e: { kind: string; at: number; len: number; char: string }): string {
  const i = Math.floor(e.at * text.length);
  switch (e.kind) {
    case 'flip': return text.slice(0, i) + e.char + text.slice(i + 1);
    case 'insert': return text.slice(0, i) + e.char + text.slice(i);
    case 'delete': return text.slice(0, i) + text.slice(i + e.len);
    case 'duplicate': return text.slice(0, i + e.len) + text.slice(i, i + e.len) + text.slice(i + e.len);
    default: return text.slice(0, i);
  }
}

describe.each(FORMATS.map((f) => [f.format, f] as const))('fuzz: every registered format — %s', (_name, format) => {
  const golden = goldenInputs(format);

  beforeAll(() => {
    // Compile the schema validators of what the golden inputs produce outside the per-case budget.
    const types = new Set(golden.flatMap(({ text, options }) => mapSource(format, text, { options }).flatMap((r) => r.golden.resources.map((x) => x.resourceType))));
    validator.warm([...types]);
  }, 60_000);

  it('its golden inputs satisfy the property (sanity)', () => {
    expect(golden.length).toBeGreaterThanOrEqual(3);
    for (const { text, options } of golden) expect(mapAndCheck(format, text, options).kind).toBe('mapped');
    counter.add(`${format.format} golden sanity`, golden.length);
  }, 60_000);

  it('arbitrary text', async () => {
    // With the options of one of its golden cases (CSV: each kind), so the reader gets past them.
    await checkProperty(counter, `${format.format} arbitrary text`, fc.tuple(anyString(300), fc.nat({ max: golden.length - 1 })), ([s, i]) => {
      mapAndCheck(format, s, golden[i]!.options);
    }, runs(1500), 8_000);
  }, scaledMs(15_000));

  it('edits of its golden inputs', async () => {
    const arb = fc.tuple(fc.nat({ max: golden.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 4 }));
    await checkProperty(counter, `${format.format} golden edits`, arb, ([i, edits]) => {
      mapAndCheck(format, edits.reduce(applyEdit, golden[i]!.text), golden[i]!.options);
    }, runs(400), 10_000);
  }, scaledMs(15_000));

  it('the same text in arbitrary pieces gives the same records', async () => {
    const arb = fc.tuple(fc.nat({ max: golden.length - 1 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }));
    await checkProperty(counter, `${format.format} chunking`, arb, ([i, cuts]) => {
      const { text, options } = golden[i]!;
      const pieces = [...new Set(cuts.map((c) => Math.floor(c * text.length)))].sort((a, b) => a - b);
      const whole = mapAndCheck(format, text, options);
      const split = mapAndCheck(format, text, options, pieces);
      const view = (o: Outcome) => (o.kind === 'mapped' ? o.records.map((r) => r.golden) : o.location);
      expect(view(split)).toEqual(view(whole));
    }, runs(150), 10_000);
  }, scaledMs(15_000));
});
