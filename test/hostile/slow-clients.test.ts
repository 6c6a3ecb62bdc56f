/**
 * Hostile test (issue: slow clients starve the database): twenty uploads trickling 1 byte/s (and a
 * few that stall) against the gateway as a real OS process, while normal requests — a FHIR search
 * (portal key), the facility statistics (admin key) and a small valid ingest — must each answer in
 * under 2 s and leave their audit rows. The stalled uploads must be cut by the total and idle
 * timeouts (REQUEST_TIMEOUT_MS, IDLE_TIMEOUT_MS, short here).
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../gateway/auth/api-keys.js';
import { syntheticEnvelope } from '../../scripts/lib/qd130-synthetic.js';
import { servicesEnv, uniqueFacility, waitFor } from '../helpers/gateway.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process.js';

const TRICKLERS = 20;
const STALLERS = 5;
const REQUEST_TIMEOUT_MS = 7000;
const IDLE_TIMEOUT_MS = 2500;
const PROMPT_MS = 2000;

interface Cut { status: number | 'closed'; ms: number }

/** An upload that sends its headers, then `bytesPerTick` bytes every second (0 = nothing more). */
function slowUpload(url: string, key: string, bytesPerTick: number): Promise<Cut> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const req = httpRequest(`${url}/ingest/qd130`, {
      method: 'POST', agent: false,
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/xml', 'Content-Length': '100000' },
    });
    const timer = setInterval(() => { if (bytesPerTick > 0) req.write(' '.repeat(bytesPerTick)); }, 1000);
    const done = (status: number | 'closed') => { clearInterval(timer); resolve({ status, ms: Date.now() - t0 }); };
    req.on('response', (res) => { res.resume(); res.on('end', () => done(res.statusCode!)); res.on('error', () => done(res.statusCode!)); });
    req.on('error', () => done('closed'));
    req.write('<GIAMDINHHS>');
  });
}

async function timed(what: string, run: () => Promise<Response>): Promise<{ what: string; status: number; ms: number }> {
  const t0 = performance.now();
  const res = await run();
  await res.arrayBuffer();
  return { what, status: res.status, ms: Math.round(performance.now() - t0) };
}

describe('hostile: slow clients do not starve other requests', () => {
  let gateway: GatewayProcess;
  let pool: pg.Pool;
  const keys = {} as Record<'facility' | 'portal' | 'admin', { id: string; key: string }>;
  let facility: string;

  beforeAll(async () => {
    gateway = await spawnGateway({
      ...servicesEnv(), ROLE: 'gateway', QUEUE_PREFIX: `h${randomBytes(3).toString('hex')}`, RATE_LIMIT_PER_MINUTE: '100000',
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS), IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS), HEADERS_TIMEOUT_MS: '3000', MIN_UPLOAD_BYTES_PER_S: '0',
    });
    pool = new pg.Pool({ connectionString: servicesEnv().DATABASE_URL, max: 2 });
    facility = uniqueFacility();
    keys.facility = await createApiKey(pool, { role: 'facility', facility, label: 'hostile slow facility' });
    keys.portal = await createApiKey(pool, { role: 'portal', label: 'hostile slow portal' });
    keys.admin = await createApiKey(pool, { role: 'admin', label: 'hostile slow admin' });
  }, 60_000);
  afterAll(async () => {
    // Graceful stop first (it must not hang on cut uploads); SIGKILL only as a fallback.
    const stopped = await Promise.race([gateway?.kill('SIGTERM').then(() => true), new Promise((r) => setTimeout(() => r(false), 15_000))]);
    if (!stopped) await gateway.kill('SIGKILL');
    expect(stopped, 'gateway stops gracefully within 15 s').toBe(true);
    await pool?.end();
  });

  it('answers normal requests promptly, audits them, and cuts the slow uploads', async () => {
    const started = Date.now();
    const slow = [
      ...Array.from({ length: TRICKLERS }, () => slowUpload(gateway.url, keys.facility.key, 1)),
      ...Array.from({ length: STALLERS }, () => slowUpload(gateway.url, keys.facility.key, 0)),
    ];
    await new Promise((r) => setTimeout(r, 1500)); // every slow upload is in, holding whatever it holds

    const auth = (k: { key: string }) => ({ Authorization: `Bearer ${k.key}` });
    const normal = await Promise.all([
      timed('FHIR search', () => fetch(`${gateway.url}/fhir/Patient?identifier=${encodeURIComponent('http://fhir.hl7.org.vn/core/sid/cccd|046166051839')}`, { headers: auth(keys.portal) })),
      timed('stats', () => fetch(`${gateway.url}/api/stats/facilities`, { headers: auth(keys.admin) })),
      timed('small ingest', () => fetch(`${gateway.url}/ingest/qd130`, {
        method: 'POST', headers: { ...auth(keys.facility), 'Content-Type': 'application/xml' }, body: syntheticEnvelope(facility, `HS${Date.now()}-`, 1, 5),
      })),
    ]);
    console.log(`[hostile] during ${TRICKLERS} trickling + ${STALLERS} stalled uploads: ${normal.map((n) => `${n.what} ${n.status} in ${n.ms} ms`).join(', ')}`);

    const cuts = await Promise.all(slow);
    console.log(`[hostile] slow uploads cut after ${cuts.map((c) => `${c.ms}:${c.status}`).join(' ')}`);
    // Soft: every expectation is reported, not just the first that fails.
    expect.soft(normal.map((n) => n.status)).toEqual([200, 200, 202]);
    for (const n of normal) expect.soft(n.ms, `${n.what} answers promptly`).toBeLessThan(PROMPT_MS);
    for (const [i, c] of cuts.entries()) {
      const [limit, by] = i < TRICKLERS ? [REQUEST_TIMEOUT_MS, 'total'] : [IDLE_TIMEOUT_MS, 'idle'];
      expect.soft([408, 'closed'], `upload ${i} cut`).toContain(c.status);
      expect.soft(c.ms, `upload ${i} cut by the ${by} timeout`).toBeGreaterThanOrEqual(limit - 200);
      expect.soft(c.ms, `upload ${i} cut by the ${by} timeout`).toBeLessThan(limit + 3000);
    }

    const since = new Date(started);
    const audited = await waitFor(async () => {
      const { rows } = await pool.query(
        `SELECT key_id, path, status FROM audit_events WHERE at >= $1 AND key_id = ANY($2) AND status < 400`,
        [since, [keys.portal.id, keys.admin.id, keys.facility.id]],
      );
      const paths = new Set(rows.map((r) => `${r.key_id} ${r.path}`));
      const want = [`${keys.portal.id} /fhir/Patient`, `${keys.admin.id} /api/stats/facilities`, `${keys.facility.id} /ingest/qd130`];
      return want.every((w) => paths.has(w)) ? rows : undefined;
    }, 10_000, 'audit rows of the normal requests');
    expect(audited.length).toBeGreaterThanOrEqual(3);
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
  }, 60_000);
});
