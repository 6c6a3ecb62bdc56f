/**
 * A remote verification service that goes down (VERIFICATION=remote, a real HTTP server playing
 * the service, real PostgreSQL + Redis): records arriving during the outage are held as
 * `unverified` (counted as pending, never as a mismatch); once the service answers again they are
 * checked again, and the verified one is linked while the mismatching one is rejected.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayWithKeys, startTestGateway } from '../helpers/gateway.js';
import { citizen, doseCsv, recordByKey, waitForStatus } from '../helpers/identity.js';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;

describe('registry unavailable → pending, then decided (HTTP, VERIFICATION=remote)', () => {
  let gw: Gateway;
  let server: Server;
  let facility: string, facilityKey: string, adminKey: string;
  let up = false;
  let calls = 0;
  const mismatching = new Set<string>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        calls += 1;
        if (!up) { res.writeHead(503).end('maintenance'); return; }
        const items = (JSON.parse(body) as { items: Array<{ cccd: string }> }).items;
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({
          results: items.map((i) => (mismatching.has(i.cccd) ? { outcome: 'mismatch', fields: ['birthDate'] } : { outcome: 'verified' })),
        }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    ({ gw, facility, facilityKey, adminKey } = await startGatewayWithKeys({
      VERIFICATION: 'remote', REGISTRY_URL: `http://127.0.0.1:${port}/verify`, REGISTRY_TIMEOUT_MS: '1000',
      REGISTRY_BREAKER_FAILURES: '2', REGISTRY_BREAKER_COOLDOWN_MS: '200', VERIFY_RETRY_MS: '300', REGISTRY_CACHE_TTL_S: '0',
    }));
  });
  afterAll(async () => {
    await gw?.stop();
    await new Promise((r) => server?.close(r));
  });

  it('holds records as unverified during the outage, then links the verified one and rejects the mismatch', async () => {
    const good = citizen('Ngô Thị Thu', '1991-11-11', 'female');
    const bad = citizen('Ngô Văn Hải', '1989-01-01', 'male');
    mismatching.add(bad.cccd);
    const res = await request(gw.url).post('/ingest/csv').query({ kind: 'immunization' }).set('Authorization', `Bearer ${facilityKey}`)
      .set('Content-Type', 'text/csv; charset=utf-8').send(doseCsv([{ p: good, id: `G-${good.cccd}` }, { p: bad, id: `B-${bad.cccd}` }]));
    expect(res.status).toBe(202);
    expect(res.body.records.map((r: { status: string }) => r.status)).toEqual(['unverified', 'unverified']);
    const [g, b] = res.body.records as Array<{ key: string }>;
    const stats = (await request(gw.url).get('/api/stats/facilities').query({ facility }).set('Authorization', `Bearer ${adminKey}`)).body;
    expect(stats.totals).toMatchObject({ received: 2, pending: 2, rejected: 0, linked: 0 });
    // Still down: re-checks keep them unverified, never a mismatch.
    const before = calls;
    await new Promise((r) => setTimeout(r, 1200));
    expect(calls).toBeGreaterThan(before);
    expect((await recordByKey(gw.pool, b!.key)).status).toBe('unverified');
    up = true;
    const linked = await waitForStatus(gw.pool, g!.key, ['linked'], 20_000);
    expect(linked.personId).toBeTruthy();
    const rejected = await waitForStatus(gw.pool, b!.key, ['rejected'], 20_000);
    expect(rejected.issues[0]).toMatchObject({ category: 'VERIFICATION_MISMATCH', field: 'row 2, column patient.birthDate' });
    const after = (await request(gw.url).get('/api/stats/facilities').query({ facility }).set('Authorization', `Bearer ${adminKey}`)).body;
    expect(after.totals).toMatchObject({ received: 2, pending: 0, linked: 1, rejected: 1 });
    expect(after.facilities[0].categories.VERIFICATION_MISMATCH).toBe(1);
  });
});
