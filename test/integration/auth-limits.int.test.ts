import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway } from '../helpers/gateway.js';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
const BAD = 'fgw_zzzzzzzzzz_ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ';

/** Audit rows written for one probe path (each test sends its flood to a path of its own). */
async function auditRows(gw: Gateway, path: string): Promise<Array<{ action: string; status: number }>> {
  const { rows } = await gw.pool.query('SELECT action, status FROM audit_events WHERE path = $1 ORDER BY id', [path]);
  return rows;
}

describe('limits before authentication (real Redis, two gateway processes sharing it)', () => {
  const prefix = `al${randomBytes(3).toString('hex')}`;
  let gw1: Gateway;
  let gw2: Gateway;
  beforeAll(async () => {
    const env = { QUEUE_PREFIX: prefix, AUTH_ATTEMPTS_PER_MINUTE: '10', AUTH_LOCKOUT_FAILURES: '1000' };
    gw1 = await startTestGateway(env);
    gw2 = await startTestGateway(env);
  });
  afterAll(async () => {
    await gw1?.stop();
    await gw2?.stop();
  });

  it('answers a burst of bad keys 429 after the first few lookups, without an audit row each; a verified key still passes', async () => {
    const admin = await gw1.key('admin');
    expect((await request(gw1.url).get('/api/stats/facilities').set('Authorization', `Bearer ${admin}`)).status).toBe(200);
    const path = `/fhir/Patient/probe-${randomBytes(4).toString('hex')}`;
    const answers = await Promise.all(Array.from({ length: 200 }, () => request(gw1.url).get(path).set('Authorization', `Bearer ${BAD}`)));
    const statuses = answers.map((a) => a.status);
    // The admin's uncached first request above used one lookup of this minute's budget of 10.
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(190);
    const throttled = answers.find((a) => a.status === 429)!;
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect(throttled.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'throttled' }] });
    await new Promise((r) => setTimeout(r, 300)); // audit rows are written when responses finish
    const rows = await auditRows(gw1, path);
    expect(rows.length).toBe(statuses.filter((s) => s === 401).length); // 429s before auth write nothing
    expect(rows.every((r) => r.action === 'login-failed')).toBe(true);
    // The admin key this process verified moments ago is not held back by its address's flood.
    expect((await request(gw1.url).get('/api/stats/facilities').set('Authorization', `Bearer ${admin}`)).status).toBe(200);
  });

  it('holds the limit across processes: the second gateway refuses the same address at once', async () => {
    const res = await request(gw2.url).get('/api/stats/facilities').set('Authorization', `Bearer ${BAD}`);
    expect(res.status).toBe(429);
    const none = await request(gw2.url).get('/api/stats/facilities');
    expect(none.status).toBe(429); // no key at all is an unauthenticated attempt too
  });
});

describe('lockout after repeated failures', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startTestGateway({ AUTH_ATTEMPTS_PER_MINUTE: '1000', AUTH_LOCKOUT_FAILURES: '15', AUTH_LOCKOUT_MINUTES: '10' });
  });
  afterAll(async () => gw?.stop());

  it('locks the address out after N failures, audits one lockout, and shows it in /api/audit/usage', async () => {
    const auditor = await gw.key('auditor');
    expect((await request(gw.url).get('/api/audit/usage').set('Authorization', `Bearer ${auditor}`)).status).toBe(200); // verified before the lockout
    const path = `/api/probe-${randomBytes(4).toString('hex')}`;
    for (let i = 0; i < 15; i++) expect((await request(gw.url).get(path).set('Authorization', `Bearer ${BAD}`)).status).toBe(401);
    const locked = await request(gw.url).get(path).set('Authorization', `Bearer ${BAD}`);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(500); // the 10-minute lockout, not the minute window
    const fresh = await gw.key('portal'); // valid but never verified by this process: its lookup waits out the lockout too
    expect((await request(gw.url).get('/fhir/Patient?_id=x').set('Authorization', `Bearer ${fresh}`)).status).toBe(429);
    await new Promise((r) => setTimeout(r, 300));
    const rows = await auditRows(gw, path);
    expect(rows.filter((r) => r.action === 'login-failed')).toHaveLength(15);
    expect(rows.filter((r) => r.action === 'lockout')).toHaveLength(1);
    const usage = await request(gw.url).get('/api/audit/usage').set('Authorization', `Bearer ${auditor}`);
    expect(usage.status).toBe(200);
    const address = usage.body.addresses.find((a: { lockouts: number }) => a.lockouts >= 1);
    expect(address).toMatchObject({ sourceIp: expect.stringMatching(/127\.0\.0\.1/) });
    expect(address.failedLogins).toBeGreaterThanOrEqual(15);
  });
});
