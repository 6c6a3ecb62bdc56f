/**
 * Property-based bad-input campaign against the real HTTP gateway (in-process gateway + worker on
 * real PostgreSQL and Redis, see test/helpers/gateway.ts), with two more linkage workers as separate
 * processes on the same queue (the scaled-out layout): they link what the campaign gets accepted.
 *
 * Properties, for every request:
 *  - the status is never 5xx, the request never hangs and the process never sees an uncaught exception;
 *  - every 4xx answer is a FHIR OperationOutcome (issue[0].diagnostics non-empty) served as application/fhir+json;
 *  - no partial writes: a 4xx ingest leaves `submissions`, `records` and `submission_chunks` unchanged
 *    (and a 202 adds exactly one submission and one record per reported episode); a 4xx `POST /fhir`
 *    leaves `fhir_resources` unchanged.
 *
 * FUZZ_SEED=<n> replays a run, FUZZ_SCALE=<x> multiplies the case counts.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticEnvelope } from '../../scripts/lib/qd130-synthetic.js';
import { randomBytes } from 'node:crypto';
import { createApiKey } from '../../gateway/auth/api-keys.js';
import { servicesEnv, startTestGateway, uniqueFacility, waitFor } from '../helpers/gateway.js';
import { spawnWorkers, type GatewayProcess } from '../helpers/process.js';
import {
  anyMutation, anyString, applyMutation, CaseCounter, checkProperty, facilityCode, GOLDEN, goldenIndex, headerValue, JS_NAMES, MUTATIONS,
  NASTY_STRINGS, OUTER_TAGS, retarget, runs, scaledMs, visible, xml1Case, xml1CaseEnvelope, xmlSoup, type Mutation,
} from './arbitraries.js';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;

/** Small limits so the too-large / too-many paths are reachable with cheap requests. */
const MAX_BODY_MB = 2;
const MAX_RECORDS = 150;

const counter = new CaseCounter('http.fuzz', 55_000);
let started = 0;
let gw: Gateway;
let workers: GatewayProcess[] = [];
const queuePrefix = `fz${randomBytes(3).toString('hex')}`;
let facility: string;
const keys = {} as Record<'facility' | 'admin' | 'linker' | 'portal', string>;
/** Golden envelopes re-pointed at the test facility (outer MACSKCB and inner MA_CSKCB), so the facility key may send them. */
let corpus: string[] = [];

/** Uncaught exceptions / unhandled rejections seen while the gateway runs in this process. */
const uncaught: string[] = [];
const onUncaught = (err: unknown) => uncaught.push(`${(err as Error)?.name}: ${(err as Error)?.message} (${(err as { code?: string })?.code ?? ''})`);

beforeAll(async () => {
  started = Date.now();
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  gw = await startTestGateway({
    QUEUE_PREFIX: queuePrefix,
    AUTH_ATTEMPTS_PER_MINUTE: '1000000',
    BULK_READ_PATIENTS_PER_HOUR: '1000000',
    RATE_LIMIT_PER_MINUTE: '1000000',
    MAX_BODY_MB: String(MAX_BODY_MB),
    MAX_FHIR_BODY_MB: '1',
    MAX_RECORDS_PER_SUBMISSION: String(MAX_RECORDS),
  });
  workers = await spawnWorkers(2, () => ({ ...servicesEnv(), QUEUE_PREFIX: queuePrefix, LOG_LEVEL: 'warn' }));
  facility = uniqueFacility();
  keys.facility = await gw.key('facility', facility);
  keys.admin = await gw.key('admin');
  keys.linker = await gw.key('linker');
  // bulk-read, so random searches reach the search code rather than stopping at the bulk-read check
  keys.portal = (await createApiKey(gw.pool, { role: 'portal', label: 'fuzz portal', scopes: ['bulk-read'] })).key;
  corpus = [...GOLDEN.map((g) => retarget(g.xml, facility)), syntheticEnvelope(facility, `FZ${Date.now()}-`, 3, 7)];
}, 60_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGTERM')));
  await gw?.stop();
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
  counter.printTotal(Date.now() - started);
}, 60_000);

// ---------------------------------------------------------------------------------------------
// Request + answer checks
// ---------------------------------------------------------------------------------------------

interface Answer {
  status: number;
  type: string;
  text: string;
}

/** Raw body as text, whatever the content type (superagent would otherwise throw on bad JSON). */
function rawText(res: NodeJS.ReadableStream, done: (err: Error | null, body: string) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
  res.on('end', () => done(null, Buffer.concat(chunks).toString('utf8')));
  res.on('error', (e: Error) => done(e, ''));
}

/** Status codes seen per property, printed with the case count. */
let statuses = new Map<number, number>();
function statusSummary(): string {
  const out = [...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
  statuses = new Map();
  return out ? `[${out}]` : '';
}

async function send(req: request.Test, what: string): Promise<Answer> {
  const before = uncaught.length;
  let res: request.Response;
  try {
    res = await req.timeout({ response: 15_000, deadline: 30_000 }).buffer(true).parse(rawText as never);
  } catch (err) {
    throw new Error(`${what}: no answer (${(err as Error).message}) — a hang or a dropped connection`);
  }
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  // Give errors emitted just after the response a turn to surface.
  await new Promise((r) => setImmediate(r));
  if (uncaught.length > before) throw new Error(`${what}: uncaught exception in the gateway process: ${uncaught.slice(before).join('; ')} (answered ${res.status})`);
  return { status: res.status, type: String(res.headers['content-type'] ?? ''), text: typeof res.body === 'string' ? res.body : res.text };
}

/** Never 5xx; every 4xx is an OperationOutcome as application/fhir+json with a diagnostics text. */
function checkAnswer(a: Answer, what: string): void {
  if (a.status >= 500) throw new Error(`${what}: answered ${a.status}: ${a.text.slice(0, 300)}`);
  if (a.status < 400) return;
  if (!/^application\/fhir\+json\b/.test(a.type)) throw new Error(`${what}: ${a.status} with content-type "${a.type}" (want application/fhir+json)`);
  let body: { resourceType?: unknown; issue?: Array<{ diagnostics?: unknown }> };
  try {
    body = JSON.parse(a.text);
  } catch {
    throw new Error(`${what}: ${a.status} body is not JSON: ${a.text.slice(0, 200)}`);
  }
  if (body.resourceType !== 'OperationOutcome') throw new Error(`${what}: ${a.status} body is not an OperationOutcome: ${a.text.slice(0, 200)}`);
  const diag = body.issue?.[0]?.diagnostics;
  if (typeof diag !== 'string' || diag.trim() === '') throw new Error(`${what}: ${a.status} OperationOutcome without issue[0].diagnostics: ${a.text.slice(0, 200)}`);
}

async function ingestCounts(): Promise<{ submissions: number; records: number; chunks: number }> {
  const { rows } = await gw.pool.query(
    `SELECT (SELECT count(*) FROM submissions)::int AS submissions, (SELECT count(*) FROM records)::int AS records,
            (SELECT count(*) FROM submission_chunks)::int AS chunks`,
  );
  return rows[0];
}

async function fhirCount(): Promise<number> {
  const { rows } = await gw.pool.query('SELECT count(*)::int AS n FROM fhir_resources');
  return rows[0].n;
}

/**
 * Wait until the linkage worker has nothing of this campaign in flight, so it cannot write
 * fhir_resources under our feet. Records other files left pending in the shared database (inserted
 * as counters' fixtures, with no queue job) are not this campaign's.
 */
async function settleWorker(): Promise<void> {
  await waitFor(async () => {
    const { rows } = await gw.pool.query("SELECT count(*)::int AS n FROM records WHERE status = 'accepted' AND received_at >= to_timestamp($1 / 1000.0) - interval '1 minute'", [started]);
    return rows[0].n === 0;
  }, 30_000, 'the linkage worker to settle');
}

type KeyName = keyof typeof keys;
const auth = (req: request.Test, key: KeyName) => req.set('Authorization', `Bearer ${keys[key]}`);

/** POST an envelope and check the answer plus the no-partial-write property. */
async function ingest(body: Buffer, opts: { key: KeyName; contentType?: string; encoding?: string }, what: string): Promise<Answer> {
  const before = await ingestCounts();
  let req = auth(request(gw.url).post('/ingest/qd130'), opts.key);
  if (opts.contentType !== undefined) req = req.set('Content-Type', opts.contentType);
  if (opts.encoding !== undefined) req = req.set('Content-Encoding', opts.encoding);
  const a = await send(req.send(body), what);
  checkAnswer(a, what);
  const after = await ingestCounts();
  if (a.status >= 400) {
    if (after.submissions !== before.submissions || after.records !== before.records || after.chunks !== before.chunks) {
      throw new Error(`${what}: partial write on ${a.status}: ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
    }
  } else if (a.status === 202) {
    const n = (JSON.parse(a.text) as { records: unknown[] }).records.length;
    if (after.submissions !== before.submissions + 1 || after.records !== before.records + n) {
      throw new Error(`${what}: 202 with ${n} records but ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
    }
  } else {
    throw new Error(`${what}: unexpected status ${a.status}`);
  }
  return a;
}

// ---------------------------------------------------------------------------------------------
// Generators for the HTTP surface
// ---------------------------------------------------------------------------------------------

/** Percent-encoded random text, or raw tokens that are legal on the wire but odd (bad escapes, NUL, overlong UTF-8, …). */
const urlPiece = fc.oneof(
  { arbitrary: anyString(24).map((s) => { try { return encodeURIComponent(s); } catch { return encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '?')); } }), weight: 4 },
  { arbitrary: fc.constantFrom('%', '%zz', '%00', '%E0%A4%A', '%ED%A0%80', '%C0%AF', '%2F', '%25', '+', '..', '.', '%2e%2e', '%FF', '%u0041', '~', '*', '!', ';', ','), weight: 2 },
  { arbitrary: fc.constantFrom(...JS_NAMES), weight: 1 },
  { arbitrary: fc.uuid(), weight: 1 },
  { arbitrary: fc.stringMatching(/^[A-Za-z0-9.-]{1,70}$/), weight: 2 },
);

function queryString(names: readonly string[], values: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const name = fc.oneof({ arbitrary: fc.constantFrom(...names), weight: 5 }, { arbitrary: fc.constantFrom(...JS_NAMES, '_count', '_offset', '_format', '', 'a[b]', 'identifier[]'), weight: 1 }, { arbitrary: urlPiece, weight: 1 });
  const pair = fc.oneof(
    { arbitrary: fc.tuple(name, values).map(([k, v]) => `${k}=${v}`), weight: 6 },
    { arbitrary: name, weight: 1 },
    { arbitrary: fc.constantFrom('=', '&', '==', '=x', 'a=b=c'), weight: 1 },
  );
  return fc.array(pair, { maxLength: 5 }).map((ps) => (ps.length ? `?${ps.join('&')}` : ''));
}

const searchValue = fc.oneof(
  { arbitrary: urlPiece, weight: 4 },
  { arbitrary: fc.constantFrom('http://fhir.hl7.org.vn/core/sid/cccd|046090001234', '|', '|x', 'x|', 'Patient/abc', 'Patient/', '/x', 'Encounter/a/b', 'a,b,,c', '0', '-1', '1.5', '1001', '1e3', '1000000', '1000001', '9007199254740993', 'NaN', ' 5', '0x10'), weight: 3 },
  { arbitrary: fc.constantFrom('%00', 'a%00b', 'Patient%2F%00', '%ED%A0%80', '%C3%28'), weight: 1 },
);

const dateValue = fc.oneof(
  fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.constantFrom('2025-02-30', '2025-13-01', '0000-00-00', '0000-01-01', '9999-12-31', '2025-1-1', '20250101', ' 2025-01-01', '2025-01-01T00:00', '+02025-01-01', '2025-02-29', '2024-02-29'),
  urlPiece,
);

/** JSON-ish values, with the nasty strings, for bodies of POST /fhir and POST /api/records/rerun. */
const nastyJson: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 3 },
  { arbitrary: anyString(30), weight: 3 },
  { arbitrary: fc.constantFrom(null, true, 0, -1, 1e308, [], {}, [null], { __proto__: 1 }), weight: 1 },
);

const FHIR_TYPES = ['Patient', 'Encounter', 'Condition', 'Organization', 'Immunization', 'Observation', 'Bundle', 'Foo', 'patient', '', 'constructor', '__proto__'];

/** A resource template (sometimes schema-valid) with a fuzzed value dropped in somewhere. */
const resourceArb: fc.Arbitrary<unknown> = fc.oneof(
  {
    arbitrary: fc.record({ type: fc.constantFrom('Patient', 'Organization'), id: fc.oneof({ arbitrary: fc.uuid(), weight: 4 }, { arbitrary: urlPiece, weight: 1 }), text: anyString(40), gender: fc.constantFrom('male', 'female', 'other', 'unknown', 'x') })
      .map(({ type, id, text, gender }) => (type === 'Patient'
        ? { resourceType: 'Patient', id, name: [{ text, family: text }], gender, identifier: [{ system: 'http://fhir.hl7.org.vn/core/sid/cccd', value: text }] }
        : { resourceType: 'Organization', id, name: text, identifier: [{ system: 'http://fhir.hl7.org.vn/core/sid/ma-cskcb', value: text }] })),
    weight: 4,
  },
  { arbitrary: fc.record({ resourceType: fc.constantFrom(...FHIR_TYPES), id: fc.oneof(fc.uuid(), anyString(10)), extra: nastyJson }, { requiredKeys: [] }), weight: 2 },
  { arbitrary: nastyJson, weight: 1 },
);

const entryArb: fc.Arbitrary<unknown> = fc.oneof(
  {
    arbitrary: fc.record({ method: fc.constantFrom('PUT', 'PUT', 'PUT', 'POST', 'POST', 'DELETE', 'GET', 'PATCH', 'put', ''), resource: resourceArb, urlKind: fc.constantFrom('match', 'match', 'match', 'match', 'type', 'random'), url: urlPiece })
      .map(({ method, resource, urlKind, url }) => {
        const r = resource as { resourceType?: unknown; id?: unknown } | null;
        const matching = r && typeof r === 'object' ? `${String(r.resourceType)}${method === 'POST' ? '' : `/${String(r.id)}`}` : url;
        return { request: { method, url: urlKind === 'match' ? matching : urlKind === 'type' ? String(r && typeof r === 'object' ? r.resourceType : url) : url }, resource };
      }),
    weight: 5,
  },
  { arbitrary: fc.record({ request: nastyJson, resource: nastyJson }, { requiredKeys: [] }), weight: 1 },
  { arbitrary: nastyJson, weight: 1 },
);

/** Schema-valid transactions whose only oddity is the string content (what the linker could send for odd source data). */
const validTransactionArb: fc.Arbitrary<unknown> = fc.array(
  fc.record({ id: fc.uuid(), text: anyString(40), method: fc.constantFrom('PUT', 'POST') }),
  { minLength: 1, maxLength: 3 },
).map((ps) => ({
  resourceType: 'Bundle',
  type: 'transaction',
  entry: ps.map(({ id, text, method }) => ({
    request: { method, url: method === 'PUT' ? `Patient/${id}` : 'Patient' },
    resource: { resourceType: 'Patient', ...(method === 'PUT' ? { id } : {}), name: [{ text }], identifier: [{ system: 'urn:fuzz', value: text }] },
  })),
}));

const bundleArb: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: validTransactionArb, weight: 3 },
  {
    arbitrary: fc.record({
      resourceType: fc.oneof({ arbitrary: fc.constant('Bundle'), weight: 8 }, { arbitrary: fc.constantFrom('bundle', 'Patient', ''), weight: 1 }),
      type: fc.oneof({ arbitrary: fc.constant('transaction'), weight: 8 }, { arbitrary: fc.constantFrom('batch', 'transaction-response', '', 'TRANSACTION'), weight: 1 }),
      entry: fc.oneof({ arbitrary: fc.array(entryArb, { maxLength: 4 }), weight: 8 }, { arbitrary: nastyJson, weight: 1 }),
    }, { requiredKeys: ['resourceType', 'type'] }),
    weight: 6,
  },
  { arbitrary: nastyJson, weight: 1 },
);

/** A JSON body text: mostly serialized, sometimes broken or not JSON at all. */
function jsonBody(value: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: value.map((v) => JSON.stringify(v) ?? 'null'), weight: 6 },
    { arbitrary: fc.tuple(value, fc.nat()).map(([v, n]) => { const s = JSON.stringify(v) ?? ''; return s.slice(0, n % (s.length + 1)); }), weight: 1 },
    { arbitrary: anyString(60), weight: 1 },
    { arbitrary: fc.constantFrom('', '{', '{"resourceType":"Bundle","type":"transaction","entry":[', '{"__proto__":{"x":1}}', '{"a":1,"a":2}', '\ufeff{}', '[]'), weight: 1 },
  );
}

const jsonContentType = fc.oneof(
  { arbitrary: fc.constantFrom('application/fhir+json', 'application/json', 'application/json; charset=utf-8', 'application/fhir+json; fhirVersion=4.0'), weight: 6 },
  { arbitrary: fc.constantFrom('application/json; charset=latin1', 'application/json; charset=utf-16', 'text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', ''), weight: 2 },
  { arbitrary: headerValue(30), weight: 1 },
);

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe('fuzz: HTTP gateway (real PostgreSQL + Redis)', () => {
  // POST /fhir first, while the worker has nothing to link (it writes fhir_resources too).
  it('POST /fhir: random JSON and transaction Bundles (linker key) — never 5xx, 4xx writes nothing', async () => {
    await settleWorker();
    await checkProperty(counter, 'POST /fhir', fc.tuple(jsonBody(bundleArb), jsonContentType), async ([body, type]) => {
      const what = `POST /fhir (${visible(type)}) ${visible(body.slice(0, 300))}`;
      const before = await fhirCount();
      let req = auth(request(gw.url).post('/fhir'), 'linker');
      if (type) req = req.set('Content-Type', type);
      const a = await send(req.send(body), what);
      checkAnswer(a, what);
      if (a.status >= 400) {
        const after = await fhirCount();
        if (after !== before) throw new Error(`${what}: fhir_resources ${before} → ${after} on ${a.status}`);
      }
    }, runs(400), 15_000, statusSummary);
  }, scaledMs(50_000));

  it('GET /fhir/Patient|Encounter|Condition with random query strings (portal key)', async () => {
    const names = ['identifier', '_id', 'patient', 'subject', 'encounter', '_count', '_offset', '_format', 'name', 'birthdate'];
    await checkProperty(counter, 'GET /fhir/:type?query', fc.tuple(fc.constantFrom('Patient', 'Encounter', 'Condition'), queryString(names, searchValue)), async ([type, qs]) => {
      const what = `GET /fhir/${type}${visible(qs)}`;
      checkAnswer(await send(auth(request(gw.url).get(`/fhir/${type}${qs}`), 'portal'), what), what);
    }, runs(400), 12_000, statusSummary);
  }, scaledMs(20_000));

  it('GET /fhir/:type/:id (and neighbours) with random path segments (portal key)', async () => {
    const seg = fc.oneof({ arbitrary: fc.constantFrom('Patient', 'Encounter', 'Condition', 'Organization', 'Immunization', 'metadata', 'Bundle', 'patient', ...JS_NAMES), weight: 2 }, { arbitrary: urlPiece, weight: 2 });
    const path = fc.tuple(fc.array(seg, { minLength: 1, maxLength: 3 }), fc.option(queryString(['_id', 'identifier', 'x'], searchValue), { freq: 3 }));
    await checkProperty(counter, 'GET /fhir/:type/:id paths', path, async ([segments, qs]) => {
      const p = `/fhir/${segments.join('/')}${qs ?? ''}`;
      checkAnswer(await send(auth(request(gw.url).get(p), 'portal'), `GET ${visible(p)}`), `GET ${visible(p)}`);
    }, runs(300), 10_000, statusSummary);
  }, scaledMs(20_000));

  it('GET /api/stats/facilities with random periods and facilities (admin key)', async () => {
    const value = fc.oneof(dateValue, facilityCode.map((f) => encodeURIComponent(f.replace(/[\ud800-\udfff]/g, '?'))), searchValue);
    await checkProperty(counter, 'GET /api/stats/facilities', queryString(['from', 'to', 'facility'], value), async (qs) => {
      const what = `GET /api/stats/facilities${visible(qs)}`;
      checkAnswer(await send(auth(request(gw.url).get(`/api/stats/facilities${qs}`), 'admin'), what), what);
    }, runs(250), 10_000, statusSummary);
  }, scaledMs(20_000));

  it('POST /ingest/qd130: mutated golden envelopes, XML-ish text, random XML1 values (facility/admin key)', async () => {
    const body = fc.oneof(
      { arbitrary: fc.tuple(fc.nat({ max: 15 }), anyMutation).map(([i, m]) => ({ kind: 'mutation' as const, i, m })), weight: 6 },
      { arbitrary: xml1Case(fc.constant('FACILITY')).map((c) => ({ kind: 'xml1' as const, c })), weight: 3 },
      { arbitrary: fc.oneof(xmlSoup(OUTER_TAGS), anyString(200)).map((s) => ({ kind: 'text' as const, s })), weight: 2 },
      { arbitrary: fc.tuple(fc.nat({ max: 15 }), MUTATIONS.huge).map(([i, m]) => ({ kind: 'mutation' as const, i, m })), weight: 1 },
      { arbitrary: fc.constantFrom('too-many-hoso', 'too-large', 'valid').map((k) => ({ kind: k })), weight: 1 },
    );
    await checkProperty(counter, 'POST /ingest/qd130 bodies', fc.tuple(body, fc.constantFrom<KeyName>('facility', 'facility', 'facility', 'admin')), async ([b, key]) => {
      let bytes: Buffer;
      let label: string;
      if (b.kind === 'mutation') {
        bytes = applyMutation(corpus[b.i % corpus.length]!, b.m as Mutation);
        label = `corpus[${b.i % corpus.length}] ${JSON.stringify(b.m).slice(0, 200)}`;
      } else if (b.kind === 'xml1') {
        bytes = Buffer.from(xml1CaseEnvelope({ ...b.c, facility }), 'utf8');
        label = `xml1 ${visible(JSON.stringify(b.c.overrides.fields)).slice(0, 300)}`;
      } else if (b.kind === 'text') {
        bytes = Buffer.from(b.s, 'utf8');
        label = `text ${visible(b.s.slice(0, 200))}`;
      } else if (b.kind === 'too-many-hoso') {
        bytes = Buffer.from(syntheticEnvelope(facility, `TM${Date.now()}-`, MAX_RECORDS + 1), 'utf8');
        label = `${MAX_RECORDS + 1} HOSO`;
      } else if (b.kind === 'too-large') {
        bytes = Buffer.from(corpus[0]!.replace('<CHUKYDONVI>', `<CHUKYDONVI>${'A'.repeat(MAX_BODY_MB * 1024 * 1024)}`), 'utf8');
        label = `${bytes.length} bytes`;
      } else {
        bytes = Buffer.from(syntheticEnvelope(facility, `OK${Date.now()}-`, 2), 'utf8');
        label = 'valid synthetic envelope';
      }
      await ingest(bytes, { key, contentType: 'application/xml' }, `POST /ingest/qd130 [${key}] ${label}`);
    }, runs(400), 25_000, statusSummary);
  }, scaledMs(35_000));

  it('POST /ingest/qd130: random content types and encodings (gzip flag on non-gzip bodies, truncated gzip)', async () => {
    const contentType = fc.oneof(
      { arbitrary: fc.constantFrom('application/xml', 'text/xml', 'application/xml; charset=utf-8', 'TEXT/XML', 'application/xml-dtd', 'application/xmlfoo'), weight: 3 },
      { arbitrary: fc.constantFrom('application/json', 'text/plain', 'application/octet-stream', 'multipart/form-data', 'application/x-www-form-urlencoded', ''), weight: 2 },
      { arbitrary: headerValue(30), weight: 1 },
    );
    const encoding = fc.constantFrom<'none' | 'identity' | 'gzip' | 'gzip-flag-only' | 'gzip-truncated' | 'GZIP' | 'deflate' | 'br' | 'gzip, gzip' | 'x-gzip'>(
      'none', 'identity', 'gzip', 'gzip-flag-only', 'gzip-flag-only', 'gzip-truncated', 'gzip-truncated', 'GZIP', 'deflate', 'br', 'gzip, gzip', 'x-gzip');
    const body = fc.oneof(
      fc.constant('valid' as const),
      fc.tuple(goldenIndex, anyMutation).map(([i, m]) => ({ i, m })),
      fc.constant('empty' as const),
    );
    await checkProperty(counter, 'POST /ingest/qd130 transport', fc.tuple(contentType, encoding, body, fc.nat()), async ([type, enc, b, cut]) => {
      const xml = b === 'valid' ? Buffer.from(syntheticEnvelope(facility, `TR${Date.now()}-`, 1), 'utf8')
        : b === 'empty' ? Buffer.alloc(0) : applyMutation(corpus[b.i % corpus.length]!, b.m);
      let bytes = xml;
      let header: string | undefined;
      if (enc === 'gzip' || enc === 'GZIP') { bytes = gzipSync(xml); header = enc; }
      else if (enc === 'gzip-flag-only') { header = 'gzip'; }
      else if (enc === 'gzip-truncated') { const gz = gzipSync(xml); bytes = gz.subarray(0, cut % gz.length); header = 'gzip'; }
      else if (enc !== 'none') header = enc;
      const what = `POST /ingest/qd130 content-type="${visible(type)}" encoding=${enc} body=${b === 'valid' || b === 'empty' ? b : JSON.stringify(b).slice(0, 160)} (${bytes.length} bytes)`;
      await ingest(bytes, { key: 'facility', contentType: type, ...(header ? { encoding: header } : {}) }, what);
    }, runs(200), 12_000, statusSummary);
  }, scaledMs(20_000));

  it('POST /api/records/rerun with random bodies (admin key)', async () => {
    const str = fc.oneof(anyString(20), fc.uuid(), fc.stringMatching(/^[0-9A-Za-z]{5}$/));
    const rerunBody = fc.oneof(
      { arbitrary: fc.record({ facility: fc.oneof(str, nastyJson), submissionId: fc.oneof(str, nastyJson), keys: fc.oneof(fc.array(str, { maxLength: 6 }), nastyJson) }, { requiredKeys: [] }), weight: 5 },
      { arbitrary: fc.record({ keys: fc.constantFrom(...NASTY_STRINGS).map((s) => [s]) }), weight: 2 },
      { arbitrary: fc.constant({ keys: Array.from({ length: 10_001 }, (_, i) => `K${i}`) }), weight: 1 },
      { arbitrary: nastyJson, weight: 1 },
    );
    await checkProperty(counter, 'POST /api/records/rerun', fc.tuple(jsonBody(rerunBody), jsonContentType), async ([body, type]) => {
      const what = `POST /api/records/rerun (${visible(type)}) ${visible(body.slice(0, 300))}`;
      let req = auth(request(gw.url).post('/api/records/rerun'), 'admin');
      if (type) req = req.set('Content-Type', type);
      checkAnswer(await send(req.send(body), what), what);
    }, runs(250), 10_000, statusSummary);
  }, scaledMs(20_000));

  it('the identity routes (review decisions, person moves, the police\'s returned list) with random ids and bodies (admin key)', async () => {
    const id = fc.oneof(fc.nat({ max: 50 }).map(String), fc.uuid(), urlPiece);
    const route = fc.constantFrom('review/:id/accept', 'review/:id/reject', 'review/:id/correct', 'persons/:id/move', 'review/:id');
    const body = fc.oneof(
      { arbitrary: fc.record({ personId: fc.oneof(fc.uuid(), nastyJson), reason: fc.oneof(anyString(30), nastyJson), cccd: fc.oneof(fc.stringMatching(/^\d{12}$/), nastyJson), name: fc.oneof(anyString(30), nastyJson), birthDate: fc.oneof(dateValue, nastyJson), gender: fc.oneof(fc.constantFrom('male', 'female', 'x'), nastyJson) }, { requiredKeys: [] }), weight: 4 },
      { arbitrary: fc.record({ to: fc.oneof(fc.record({ cccd: fc.stringMatching(/^\d{12}$/) }), fc.record({ personId: fc.uuid() }), nastyJson), records: fc.oneof(fc.array(fc.integer(), { maxLength: 4 }), nastyJson), reason: anyString(20) }, { requiredKeys: [] }), weight: 2 },
      { arbitrary: nastyJson, weight: 1 },
    );
    await checkProperty(counter, 'identity routes', fc.tuple(route, id, jsonBody(body)), async ([r, i, b]) => {
      const path = `/api/${r.replace(':id', encodeURIComponent(i))}`;
      const what = `${r === 'review/:id' ? 'GET' : 'POST'} ${path} ${visible(b.slice(0, 200))}`;
      const req = r === 'review/:id' ? auth(request(gw.url).get(path), 'admin') : auth(request(gw.url).post(path), 'admin').set('Content-Type', 'application/json').send(b);
      checkAnswer(await send(req, what), what);
    }, runs(200), 10_000, statusSummary);
    await checkProperty(counter, 'POST /api/cleaning/return', fc.tuple(fc.oneof(fc.uint8Array({ maxLength: 2000 }), anyString(400).map((t) => new TextEncoder().encode(t))), fc.constantFrom('text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'application/json', '')), async ([bytes, type]) => {
      const what = `POST /api/cleaning/return (${type}) ${bytes.length} bytes`;
      let req = auth(request(gw.url).post('/api/cleaning/return'), 'admin');
      if (type) req = req.set('Content-Type', type);
      checkAnswer(await send(req.send(Buffer.from(bytes)), what), what);
    }, runs(100), 10_000, statusSummary);
  }, scaledMs(30_000));

  it('saw no uncaught exception in the gateway process during the campaign', () => {
    expect(uncaught).toEqual([]);
  });

  it('the two worker processes survived the campaign and every accepted record of it ended linked or rejected', async () => {
    for (const w of workers) expect(w.child.exitCode, w.stderr()).toBeNull();
    await settleWorker();
    const { rows } = await gw.pool.query(
      `SELECT status, count(*)::int AS n FROM records WHERE facility = $1 GROUP BY status`, [facility]);
    const by = Object.fromEntries(rows.map((r) => [r.status, r.n]));
    expect(by.linked ?? 0).toBeGreaterThan(0);
    // Held: records without a CCCD whose random details resemble a known person wait for review (a final state until a person decides).
    expect(Object.keys(by).filter((s) => s !== 'linked' && s !== 'rejected' && s !== 'held')).toEqual([]);
  }, 60_000);
});
