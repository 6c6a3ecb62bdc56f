import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { CircuitBreaker } from '../../resilience/circuit-breaker.js';
import type { VerifyQuery } from './port.js';
import { remoteRegistry, type RemoteRegistryOptions } from './remote-registry.js';

interface SeenRequest {
  method: string;
  headers: IncomingHttpHeaders;
  body: { items: Array<Record<string, string>> };
}

type Reply = (req: SeenRequest, res: ServerResponse) => void;

/** A real HTTP server on a free loopback port that plays the remote verification service. */
async function startService(reply: Reply): Promise<{ url: string; requests: SeenRequest[]; server: Server }> {
  const requests: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const seen = { method: req.method ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(parts).toString('utf8')) };
      requests.push(seen);
      reply(seen, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/verify`, requests, server };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Answers by the CCCD's last digit: 1 verified, 2 mismatch on name and gender, anything else not found. */
const byLastDigit: Reply = (req, res) => json(res, 200, {
  results: req.body.items.map((item) => {
    const last = item.cccd!.slice(-1);
    if (last === '1') return { outcome: 'verified' };
    if (last === '2') return { outcome: 'mismatch', fields: ['gender', 'name'] };
    return { outcome: 'not_found' };
  }),
});

function query(cccd: string, extra: Partial<VerifyQuery> = {}): VerifyQuery {
  return { cccd, name: 'Nguyễn Văn A', birthDate: '1990-05-12', gender: 'male', ...extra };
}

function registry(url: string, extra: Partial<RemoteRegistryOptions> = {}) {
  return remoteRegistry({
    url, token: 'test-token', timeoutMs: 2_000, cacheTtlMs: 60_000,
    breaker: new CircuitBreaker('test registry', 3, 60_000), ...extra,
  });
}

describe('remoteRegistry', () => {
  test('passes verified, mismatch and not_found through in order, in one request with a bearer token', async () => {
    const service = await startService(byLastDigit);
    const reg = registry(service.url);
    const answers = await reg.verifyMany([query('046090000001'), query('046090000002', { address: { province: '46', commune: '19753' } }), query('046090000003')]);
    expect(answers).toEqual([
      { outcome: 'verified' },
      { outcome: 'mismatch', fields: ['name', 'gender'] },
      { outcome: 'not_found' },
    ]);
    expect(service.requests).toHaveLength(1);
    const [req] = service.requests;
    expect(req!.method).toBe('POST');
    expect(req!.headers.authorization).toBe('Bearer test-token');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.body.items[1]).toEqual({ cccd: '046090000002', name: 'Nguyễn Văn A', birthDate: '1990-05-12', gender: 'male', province: '46', commune: '19753' });
    expect(reg.mode).toBe('remote');
  });

  test('sends HTTP Basic credentials when there is no token', async () => {
    const service = await startService(byLastDigit);
    await registry(service.url, { token: undefined, user: 'soyte', password: 'p@ss:word' }).verifyMany([query('046090000001')]);
    expect(service.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('soyte:p@ss:word').toString('base64')}`);
  });

  test('answers a cached query without calling the service, and sends only the uncached ones', async () => {
    const service = await startService(byLastDigit);
    const reg = registry(service.url);
    await reg.verifyMany([query('046090000001'), query('046090000002')]);
    expect(reg.cacheSize()).toBe(2);
    expect(await reg.verifyMany([query('046090000002'), query('046090000001')])).toEqual([
      { outcome: 'mismatch', fields: ['name', 'gender'] }, { outcome: 'verified' },
    ]);
    expect(service.requests).toHaveLength(1);
    await reg.verifyMany([query('046090000001'), query('046090000003'), query('046090000003')]);
    expect(service.requests).toHaveLength(2);
    expect(service.requests[1]!.body.items.map((i) => i.cccd)).toEqual(['046090000003']);
  });

  test('a query differing in any field is not a cache hit', async () => {
    const service = await startService(byLastDigit);
    const reg = registry(service.url);
    await reg.verifyMany([query('046090000001')]);
    await reg.verifyMany([query('046090000001', { birthDate: '1990' })]);
    expect(service.requests).toHaveLength(2);
  });

  test('calls the service again once the cached verdict has expired', async () => {
    const service = await startService(byLastDigit);
    const reg = registry(service.url, { cacheTtlMs: 40 });
    await reg.verifyMany([query('046090000001')]);
    await reg.verifyMany([query('046090000001')]);
    expect(service.requests).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 80));
    await reg.verifyMany([query('046090000001')]);
    expect(service.requests).toHaveLength(2);
  });

  test('caches nothing with a TTL of 0, and drops the oldest verdict past cacheMax', async () => {
    const service = await startService(byLastDigit);
    const off = registry(service.url, { cacheTtlMs: 0 });
    await off.verifyMany([query('046090000001')]);
    await off.verifyMany([query('046090000001')]);
    expect(service.requests).toHaveLength(2);
    expect(off.cacheSize()).toBe(0);
    const small = registry(service.url, { cacheMax: 2 });
    await small.verifyMany([query('046090000001'), query('046090000002'), query('046090000003')]);
    expect(small.cacheSize()).toBe(2);
    await small.verifyMany([query('046090000003')]);
    expect(service.requests).toHaveLength(3);
    await small.verifyMany([query('046090000001')]);
    expect(service.requests).toHaveLength(4);
  });

  test('a 500 makes every query unavailable, never cached; after 3 failures the breaker stops calling', async () => {
    const service = await startService((_req, res) => json(res, 500, { error: 'down' }));
    const reg = registry(service.url);
    for (let i = 0; i < 3; i += 1) {
      const answers = await reg.verifyMany([query('046090000001'), query('046090000002')]);
      expect(answers.map((a) => a.outcome)).toEqual(['unavailable', 'unavailable']);
      expect(answers[0]).toMatchObject({ reason: expect.stringContaining('500') });
    }
    expect(reg.cacheSize()).toBe(0);
    expect(service.requests).toHaveLength(3);
    const [open] = await reg.verifyMany([query('046090000001')]);
    expect(open).toMatchObject({ outcome: 'unavailable', reason: expect.stringContaining('circuit open') });
    expect(service.requests).toHaveLength(3);
  });

  test.each<[string, Reply]>([
    ['a 429', (_req, res) => json(res, 429, {})],
    ['an answer that is not JSON', (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>')],
    ['an answer without results', (_req, res) => json(res, 200, { ok: true })],
    ['one result too few', (req, res) => json(res, 200, { results: req.body.items.slice(1).map(() => ({ outcome: 'verified' })) })],
    ['an unknown outcome', (req, res) => json(res, 200, { results: req.body.items.map(() => ({ outcome: 'maybe' })) })],
    ['a mismatch naming no field', (req, res) => json(res, 200, { results: req.body.items.map(() => ({ outcome: 'mismatch' })) })],
  ])('%s is unavailable and counts as a breaker failure', async (_case, reply) => {
    const service = await startService(reply);
    const breaker = new CircuitBreaker('test registry', 2, 60_000);
    const reg = registry(service.url, { breaker });
    for (let i = 0; i < 2; i += 1) {
      expect((await reg.verifyMany([query('046090000001'), query('046090000002')])).map((a) => a.outcome)).toEqual(['unavailable', 'unavailable']);
    }
    expect(breaker.state).toBe('open');
    expect(reg.cacheSize()).toBe(0);
  });

  test('a 401 is unavailable but does not open the breaker', async () => {
    const service = await startService((_req, res) => json(res, 401, { error: 'bad token' }));
    const breaker = new CircuitBreaker('test registry', 2, 60_000);
    const reg = registry(service.url, { breaker });
    for (let i = 0; i < 4; i += 1) {
      const [answer] = await reg.verifyMany([query('046090000001')]);
      expect(answer).toMatchObject({ outcome: 'unavailable', reason: expect.stringContaining('401') });
    }
    expect(breaker.state).toBe('closed');
    expect(service.requests).toHaveLength(4);
  });

  test('a service that never answers is unavailable after timeoutMs', async () => {
    const service = await startService(() => undefined);
    const breaker = new CircuitBreaker('test registry', 1, 60_000);
    const reg = registry(service.url, { timeoutMs: 200, breaker });
    const started = Date.now();
    const [answer] = await reg.verifyMany([query('046090000001')]);
    expect(answer).toMatchObject({ outcome: 'unavailable', reason: expect.stringContaining('200 ms') });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(breaker.state).toBe('open');
  });

  test('an unreachable service is unavailable', async () => {
    const service = await startService(byLastDigit);
    const url = service.url;
    await new Promise((resolve) => service.server.close(resolve));
    servers.splice(servers.indexOf(service.server), 1);
    const [answer] = await registry(url).verifyMany([query('046090000001')]);
    expect(answer).toEqual({ outcome: 'unavailable', reason: 'the registry service could not be reached' });
  });

  test('an empty batch sends nothing', async () => {
    const service = await startService(byLastDigit);
    expect(await registry(service.url).verifyMany([])).toEqual([]);
    expect(service.requests).toHaveLength(0);
  });
});
