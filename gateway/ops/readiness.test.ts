import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ehrCheck } from './checks.js';
import { createReadiness, type ReadinessCheck } from './readiness.js';

const up = (name: string): ReadinessCheck => ({ name, timeoutMs: 100, run: async () => undefined });
const down = (name: string): ReadinessCheck => ({ name, timeoutMs: 100, run: async () => { throw new Error('connection refused'); } });
const hung = (name: string): ReadinessCheck => ({ name, timeoutMs: 50, run: () => new Promise(() => undefined) });

describe('createReadiness', () => {
  it('is ready when every check answers', async () => {
    const report = await createReadiness([up('postgres'), up('redis')]).check();
    expect(report).toMatchObject({ status: 'ready', failing: [], checks: { postgres: { status: 'up' }, redis: { status: 'up' } } });
  });

  it('names the failing check and shows no error text', async () => {
    const report = await createReadiness([up('postgres'), down('redis')]).check();
    expect(report.status).toBe('not ready');
    expect(report.failing).toEqual(['redis']);
    expect(JSON.stringify(report)).not.toContain('refused');
  });

  it('answers down within the timeout when a dependency hangs, and aborts its work', async () => {
    let aborted = false;
    const check: ReadinessCheck = { ...hung('ehr'), run: (signal) => new Promise(() => signal.addEventListener('abort', () => { aborted = true; })) };
    const started = Date.now();
    const report = await createReadiness([check, up('postgres')]).check();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(report.failing).toEqual(['ehr']);
    expect(aborted).toBe(true);
  });

  it('reuses a cached result and shares one run between concurrent probes', async () => {
    let runs = 0;
    let t = 0;
    const check: ReadinessCheck = { name: 'ehr', timeoutMs: 100, cacheMs: 10_000, run: async () => { runs += 1; } };
    const readiness = createReadiness([check], undefined, () => t);
    await Promise.all([readiness.check(), readiness.check(), readiness.check()]);
    expect(runs).toBe(1);
    t = 9_999;
    expect((await readiness.check()).checks.ehr).toMatchObject({ status: 'up', cached: true });
    t = 10_000;
    await readiness.check();
    expect(runs).toBe(2);
  });

  it('reports transitions once, not once per probe', async () => {
    const changes: string[] = [];
    let fail = false;
    const check: ReadinessCheck = { name: 'redis', timeoutMs: 100, run: async () => { if (fail) throw new Error('down'); } };
    const readiness = createReadiness([check], (name, isUp) => changes.push(`${name} ${isUp ? 'up' : 'down'}`));
    await readiness.check();
    fail = true;
    await readiness.check();
    await readiness.check();
    fail = false;
    await readiness.check();
    expect(changes).toEqual(['redis up', 'redis down', 'redis up']);
  });
});

describe('ehrCheck (external EHR)', () => {
  let server: Server;
  let base = '';
  let status = 200;
  const seen: Array<{ url?: string; auth?: string }> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url, auth: req.headers.authorization });
      res.writeHead(status, { 'content-type': 'application/fhir+json' }).end('{"resourceType":"CapabilityStatement"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}/fhir/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('asks GET [base]/metadata with the EHR credential, and is down on a non-2xx answer', async () => {
    const check = ehrCheck({ kind: 'external', baseUrl: base, apiKey: 'ehr-secret' });
    expect(check).toMatchObject({ name: 'ehr', target: 'external', timeoutMs: 2000, cacheMs: 10_000 });
    await check.run(new AbortController().signal);
    expect(seen.at(-1)).toEqual({ url: '/fhir/metadata', auth: 'Bearer ehr-secret' });
    status = 503;
    await expect(check.run(new AbortController().signal)).rejects.toThrow('503');
  });
});
