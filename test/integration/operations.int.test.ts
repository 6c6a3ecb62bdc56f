import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope, makeXml1, xml1Document } from '../../scripts/lib/qd130-synthetic.js';
import { createApiKey } from '../../gateway/auth/api-keys.js';
import { loadConfig } from '../../gateway/config.js';
import { startRuntime, type Runtime } from '../../gateway/runtime.js';
import { servicesEnv, startTestGateway, uniqueFacility, waitFor } from '../helpers/gateway.js';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
type Sample = { name: string; labels: Record<string, string>; value: number };

/** The samples of a Prometheus text exposition (https://prometheus.io/docs/instrumenting/exposition_formats/). */
function parseMetrics(text: string): Sample[] {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).map((line) => {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
    return { name: m[1]!, labels, value: Number(m[3]) };
  });
}
/** The sum of the samples named `name` whose labels include `labels`. */
const total = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);

const SAMPLE_GOOD = readFileSync('samples/qd130-46001-three-episodes.xml');
const SAMPLE_BAD = readFileSync('samples/qd130-46001-bad-cccd.xml');

describe('metrics and probes of a gateway with the built-in store (no METRICS_TOKEN)', () => {
  let gw: Gateway;
  let facilityKey: string, adminKey: string;
  beforeAll(async () => {
    gw = await startTestGateway();
    facilityKey = await gw.key('facility', '46001');
    adminKey = await gw.key('admin');
  });
  afterAll(async () => gw?.stop());

  const scrape = async () => {
    const res = await request(gw.url).get('/metrics').set('Authorization', `Bearer ${adminKey}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseMetrics(res.text);
  };
  const submit = (xml: Buffer) => request(gw.url).post('/ingest/qd130').set('Authorization', `Bearer ${facilityKey}`).set('Content-Type', 'application/xml').send(xml);
  const settled = (id: string, n: number) => waitFor(async () => {
    const c = (await request(gw.url).get(`/api/submissions/${id}`).set('Authorization', `Bearer ${adminKey}`)).body.counts;
    return c.linked + c.rejected + c.failed === n ? c : undefined;
  }, 20_000, `submission ${id} to settle`);

  it('/healthz answers 200 and /readyz 200 with every check up, without a key', async () => {
    expect((await request(gw.url).get('/healthz')).status).toBe(200);
    const ready = await request(gw.url).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      status: 'ready', failing: [],
      checks: { postgres: { status: 'up' }, redis: { status: 'up' }, ehr: { status: 'up', target: 'built-in' } },
    });
  });

  it('counts what a sample ingest did, per facility, format and status, with a latency histogram that adds up', async () => {
    const before = await scrape();
    const good = await submit(SAMPLE_GOOD);
    const bad = await submit(SAMPLE_BAD);
    expect([good.status, bad.status]).toEqual([202, 202]);
    expect(await settled(good.body.submissionId, 3)).toMatchObject({ linked: 3 });
    expect(await settled(bad.body.submissionId, 2)).toMatchObject({ rejected: 2 });
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => total(after, name, labels) - total(before, name, labels);

    expect(delta('fhir_gateway_records', { facility: '46001', format: 'qd130', status: 'linked' })).toBe(3);
    expect(delta('fhir_gateway_records', { facility: '46001', format: 'qd130', status: 'rejected' })).toBe(2);
    expect(delta('fhir_gateway_records', { facility: '46001', status: 'accepted' })).toBe(0);
    expect(delta('fhir_gateway_rejected_records', { facility: '46001', category: 'CCCD_FORMAT' })).toBe(2);
    // Every record that became linked is one latency observation: +Inf (= _count) moves with the linked count.
    const linked = delta('fhir_gateway_records', { status: 'linked' });
    expect(linked).toBeGreaterThanOrEqual(3);
    expect(delta('fhir_gateway_link_latency_seconds_bucket', { le: '+Inf' })).toBe(linked);
    expect(total(after, 'fhir_gateway_link_latency_seconds_count')).toBe(total(after, 'fhir_gateway_link_latency_seconds_bucket', { le: '+Inf' }));
    const buckets = after.filter((s) => s.name === 'fhir_gateway_link_latency_seconds_bucket').map((s) => s.value);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    expect(buckets.length).toBe(13);

    for (const state of ['waiting', 'active', 'delayed', 'failed', 'completed']) {
      expect(after.some((s) => s.name === 'fhir_gateway_queue_jobs' && s.labels.state === state)).toBe(true);
    }
    expect(total(after, 'fhir_gateway_metrics_source_up', { source: 'postgres' })).toBe(1);
    expect(total(after, 'fhir_gateway_metrics_source_up', { source: 'redis' })).toBe(1);
    expect(after.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
    // Labels are codes only: no CCCD (12 digits) or other long number appears anywhere.
    expect(after.flatMap((s) => Object.values(s.labels)).some((v) => /\d{9,}/.test(v))).toBe(false);
  });

  it('asks an admin API key when no METRICS_TOKEN is set', async () => {
    expect((await request(gw.url).get('/metrics')).status).toBe(401);
    expect((await request(gw.url).get('/metrics').set('Authorization', `Bearer ${facilityKey}`)).status).toBe(403);
  });
});

describe('a gateway with METRICS_TOKEN and an external EHR that refuses records', () => {
  const token = randomBytes(24).toString('hex');
  const lines: string[] = [];
  let runtime: Runtime;
  let pool: pg.Pool;
  let ehr: Server;
  let metadataStatus = 200;
  let ehrRefusals = 0;
  let transactionStatus = 422;
  let facility: string, facilityKey: string, adminKey: string;
  beforeAll(async () => {
    // A province EHR stand-in: /metadata as told, every transaction refused (422, or 503 when told) with diagnostics echoing a CCCD.
    ehr = createServer((req, res) => {
      req.resume();
      if (req.method === 'GET' && req.url === '/fhir/metadata') return res.writeHead(metadataStatus, { 'content-type': 'application/fhir+json' }).end('{"resourceType":"CapabilityStatement"}');
      ehrRefusals += 1;
      res.writeHead(transactionStatus, { 'content-type': 'application/fhir+json' }).end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [
        { severity: 'error', code: 'business-rule', expression: ['Bundle.entry[0].resource.identifier[0]'], diagnostics: 'Patient 046090001234 is not known to the provincial MPI' },
      ] }));
    });
    await new Promise<void>((r) => ehr.listen(0, '127.0.0.1', () => r()));
    const config = loadConfig({
      ...servicesEnv(), PORT: '0', QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}`, LINK_WORKER_THREAD: '0', LINK_ATTEMPTS: '2', LINK_BACKOFF_MS: '100',
      EHR_FHIR_URL: `http://127.0.0.1:${(ehr.address() as { port: number }).port}/fhir`, METRICS_TOKEN: token, LOG_LEVEL: 'info',
    });
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(...String(chunk).split('\n').filter(Boolean)); done(); } });
    runtime = await startRuntime(config, pino({ level: 'info' }, sink));
    pool = new pg.Pool({ connectionString: config.databaseUrl, max: 2 });
    facility = uniqueFacility();
    facilityKey = (await createApiKey(pool, { role: 'facility', facility, label: 'test facility' })).key;
    adminKey = (await createApiKey(pool, { role: 'admin', facility: null, label: 'test admin' })).key;
  });
  afterAll(async () => {
    await runtime?.stop();
    await pool?.end();
    await new Promise<void>((r) => (ehr ? ehr.close(() => r()) : r()));
  });

  it('serves /metrics to the token only: no token, a wrong one or an admin key is 401', async () => {
    expect((await request(runtime.url).get('/metrics')).status).toBe(401);
    expect((await request(runtime.url).get('/metrics').set('Authorization', `Bearer ${token}0`)).status).toBe(401);
    expect((await request(runtime.url).get('/metrics').set('Authorization', `Bearer ${adminKey}`)).status).toBe(401);
    const res = await request(runtime.url).get('/metrics').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('# TYPE fhir_gateway_link_latency_seconds histogram');
  });

  it('logs each EHR refusal with job, attempt, record id and the reduced answer, and counts the failed record', async () => {
    const xml1 = makeXml1(facility, `LK-OPS-${facility}`, Math.floor(Math.random() * 1e9));
    const res = await request(runtime.url).post('/ingest/qd130').set('Authorization', `Bearer ${facilityKey}`).set('Content-Type', 'application/xml')
      .send(envelope(facility, [[['XML1', xml1Document(xml1)]]]));
    expect(res.status).toBe(202);
    const refused = await waitFor(async () => lines.map((l) => JSON.parse(l)).find((l) => l.msg?.startsWith('EHR refused the record')), 20_000, 'the refusal to be logged');
    expect(ehrRefusals).toBeGreaterThanOrEqual(1);
    expect(refused).toMatchObject({
      level: 40, job: `ingest-${res.body.submissionId}-0`, attempt: 1, facility, failedRecords: 1,
      ehr: { status: 422, issues: [{ severity: 'error', code: 'business-rule', expression: ['Bundle.entry[0].resource.identifier[0]'], diagnostics: 'Patient ############ is not known to the provincial MPI' }] },
    });
    expect(typeof refused.record).toBe('number');
    const all = lines.join('\n');
    for (const personal of [xml1.SO_CCCD!, xml1.HO_TEN!, '046090001234']) expect(all).not.toContain(personal);

    const metrics = parseMetrics((await request(runtime.url).get('/metrics').set('Authorization', `Bearer ${token}`)).text);
    expect(total(metrics, 'fhir_gateway_ehr_failed_records', { facility })).toBe(1);
    expect(total(metrics, 'fhir_gateway_records', { facility, status: 'failed' })).toBe(1);
  });

  it('logs every failed attempt of an unreachable EHR with the job\'s record ids, and the last one at error level', async () => {
    transactionStatus = 503;
    const xml1 = makeXml1(facility, `LK-OPS-503-${facility}`, Math.floor(Math.random() * 1e9));
    const res = await request(runtime.url).post('/ingest/qd130').set('Authorization', `Bearer ${facilityKey}`).set('Content-Type', 'application/xml')
      .send(envelope(facility, [[['XML1', xml1Document(xml1)]]]));
    expect(res.status).toBe(202);
    const job = `ingest-${res.body.submissionId}-0`;
    const ofJob = () => lines.map((l) => JSON.parse(l)).filter((l) => l.job === job);
    const gaveUp = await waitFor(async () => ofJob().find((l) => l.last === true), 20_000, 'the last attempt to be logged');
    const retried = ofJob().find((l) => l.last === false);
    const reduced = { status: 503, issues: [{ severity: 'error', code: 'business-rule', diagnostics: 'Patient ############ is not known to the provincial MPI' }] };
    expect(retried).toMatchObject({ level: 40, attempt: 1, ehr: reduced, err: 'EHR answered 503' });
    expect(gaveUp).toMatchObject({ level: 50, attempt: 2, ehr: reduced, msg: 'linkage gave up after the last attempt: records failed' });
    expect(gaveUp.records).toEqual(retried.records);
    expect(gaveUp.records).toHaveLength(1);
    expect(lines.join('\n')).not.toContain(xml1.SO_CCCD!);
    transactionStatus = 422;
  });

  it('is not ready while the external EHR\'s /metadata fails, naming the ehr check', async () => {
    metadataStatus = 503;
    const ready = await request(runtime.url).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not ready', failing: ['ehr'], checks: { postgres: { status: 'up' }, redis: { status: 'up' }, ehr: { status: 'down', target: 'external' } } });
  });
});

describe('a gateway whose Redis is unreachable', () => {
  let gw: Gateway;
  beforeAll(async () => {
    // A port that was free a moment ago: connections to it are refused.
    const probe = createTcpServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    gw = await startTestGateway({ ROLE: 'gateway', REDIS_URL: `redis://127.0.0.1:${port}` });
  });
  afterAll(async () => gw?.stop());

  it('stays alive (/healthz 200) but is not ready, naming redis, within the probe\'s bound', async () => {
    expect((await request(gw.url).get('/healthz')).status).toBe(200);
    const started = Date.now();
    const ready = await request(gw.url).get('/readyz');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not ready', failing: ['redis'], checks: { postgres: { status: 'up' }, redis: { status: 'down' }, ehr: { status: 'up' } } });
  });

  it('still serves the database metrics, marking the queue source down', async () => {
    const adminKey = await gw.key('admin');
    const started = Date.now();
    const res = await request(gw.url).get('/metrics').set('Authorization', `Bearer ${adminKey}`);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(3000);
    const samples = parseMetrics(res.text);
    expect(total(samples, 'fhir_gateway_metrics_source_up', { source: 'redis' })).toBe(0);
    expect(total(samples, 'fhir_gateway_metrics_source_up', { source: 'postgres' })).toBe(1);
    expect(samples.some((s) => s.name === 'fhir_gateway_queue_jobs')).toBe(false);
  });
});
