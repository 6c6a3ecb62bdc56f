import { randomBytes } from 'node:crypto';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../gateway/auth/api-keys.js';
import { migrate } from '../../db/migrate.js';
import { idForIdentifier } from '../../mappers/fhir/ids.js';
import { workerEhrEnv, workerEhrMode } from '../../scripts/lib/bench-roles.js';
import { syntheticEnvelope } from '../../scripts/lib/qd130-synthetic.js';
import { startFlakyEhr } from '../helpers/flaky-ehr.js';
import { servicesEnv, waitFor } from '../helpers/gateway.js';
import { freePort, services, spawnGateway, spawnWorkers, type GatewayProcess } from '../helpers/process.js';

/**
 * Fault suite against real processes: the gateway and worker run as separate OS processes on the
 * test PostgreSQL + Redis; faults are SIGKILL, server restarts and a failing EHR. After each, every
 * acknowledged record must end linked exactly once and the statistics must add up.
 */
const canRestartServices = !!process.env.SVC_DIR;
const FACILITY_SYSTEM = 'http://fhir.hl7.org.vn/core/sid/ma-cskcb';
const summary: string[] = [];

describe('fault tolerance (real processes, real PostgreSQL + Redis)', () => {
  const env = servicesEnv();
  const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 3 });
  pool.on('error', () => undefined); // idle clients die when the PostgreSQL fault is injected
  let linkerKey: string;
  let facilityNo = 0;

  beforeAll(async () => {
    await migrate(pool);
    linkerKey = (await createApiKey(pool, { role: 'linker', label: 'fault linker' })).key;
  });
  afterAll(async () => {
    console.log(`[fault] survived: ${summary.join('; ')}`);
    await pool.end();
  });

  const baseEnv = (prefix: string) => ({
    ...env, QUEUE_PREFIX: prefix, LINK_BACKOFF_MS: '200', LINK_BACKOFF_MAX_MS: '2000', LINK_ATTEMPTS: '30', RELAY_INTERVAL_MS: '300', RELAY_STALE_MS: '1000',
    WORKER_LOCK_MS: '1500', BREAKER_FAILURES: '3', BREAKER_COOLDOWN_MS: '500', EHR_TIMEOUT_MS: '1000', RATE_LIMIT_PER_MINUTE: '100000',
  });
  const newFacility = async () => {
    facilityNo += 1;
    const facility = `51${String(Math.floor(Math.random() * 900) + 100)}`; // province 51: synthetic CCCDs stay valid
    await pool.query('DELETE FROM records WHERE facility = $1', [facility]);
    return { facility, key: (await createApiKey(pool, { role: 'facility', facility, label: `fault ${facilityNo}` })).key };
  };
  const submit = (url: string, key: string, xml: string) =>
    request(url).post('/ingest/qd130').set('Authorization', `Bearer ${key}`).set('Content-Type', 'application/xml').send(xml);

  /** Every record of the facility linked; one Encounter per episode, each at version 1 (no duplicate writes). */
  async function expectLinkedExactlyOnce(facility: string, episodes: number, timeoutMs = 60_000, gatewayLog?: () => string): Promise<void> {
    await waitFor(async () => {
      const { rows } = await pool.query(`SELECT count(*) FILTER (WHERE status = 'linked')::int AS linked, count(*)::int AS n FROM records WHERE facility = $1`, [facility]);
      return rows[0].linked === rows[0].n && rows[0].n >= episodes ? true : undefined;
    }, timeoutMs, `all records of ${facility} linked`).catch(async (err: Error) => {
      const { rows } = await pool.query(`SELECT status, count(*)::int AS n, max(attempts) AS attempts FROM records WHERE facility = $1 GROUP BY status`, [facility]);
      throw new Error(`${err.message}; by status: ${JSON.stringify(rows)}${gatewayLog ? `; gateway stderr: ${gatewayLog()}` : ''}`);
    });
    const orgRef = `Organization/${idForIdentifier(FACILITY_SYSTEM, facility)}`;
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n, max(version) AS v FROM fhir_resources WHERE resource_type = 'Encounter' AND content->'serviceProvider'->>'reference' = $1`,
      [orgRef],
    );
    expect(rows[0].n).toBe(episodes);
    expect(rows[0].v).toBe(1);
    const stats = await pool.query(`SELECT status, count(*)::int AS n FROM records WHERE facility = $1 GROUP BY status`, [facility]);
    const by = Object.fromEntries(stats.rows.map((r) => [r.status, r.n]));
    const received = Object.values(by).reduce((a: number, b) => a + (b as number), 0);
    expect(received).toBe((by.linked ?? 0) + (by.rejected ?? 0) + (by.held ?? 0) + (by.failed ?? 0) + (by.accepted ?? 0) + (by.unverified ?? 0));
  }

  it('kill -9 of the worker mid-batch: every record linked exactly once by a new worker', async () => {
    const prefix = `f${randomBytes(3).toString('hex')}`;
    const gateway = await spawnGateway({ ...baseEnv(prefix), ROLE: 'gateway' });
    let worker: GatewayProcess | undefined;
    try {
      const { facility, key } = await newFacility();
      const ehr = await startFlakyEhr(() => gateway.url);
      const workerEnv = { ...baseEnv(prefix), ROLE: 'worker', EHR_FHIR_URL: ehr.url, EHR_API_KEY: linkerKey, LINK_BATCH_SIZE: '50' };
      ehr.mode = 'hang'; // jobs are in flight when the worker dies
      worker = await spawnGateway(workerEnv);
      for (let i = 0; i < 4; i++) expect((await submit(gateway.url, key, syntheticEnvelope(facility, `K${prefix}-${i}-`, 100, i + 7))).status).toBe(202);
      await new Promise((r) => setTimeout(r, 800));
      await worker.kill('SIGKILL');
      ehr.mode = 'up';
      worker = await spawnGateway(workerEnv);
      await expectLinkedExactlyOnce(facility, 400);
      await ehr.close();
      summary.push('worker SIGKILL (400 episodes)');
    } finally {
      await worker?.kill('SIGTERM');
      await gateway.kill('SIGTERM');
    }
  }, 120_000);

  it('two workers share the queue, one SIGKILLed with a job in flight: the other links every record exactly once', async () => {
    const prefix = `f${randomBytes(3).toString('hex')}`;
    const gateway = await spawnGateway({ ...baseEnv(prefix), ROLE: 'gateway' });
    let workers: GatewayProcess[] = [];
    const ehr = await startFlakyEhr(() => gateway.url);
    try {
      const { facility, key } = await newFacility();
      ehr.mode = 'hang'; // only worker 1 goes through it: whatever it takes stays in flight until it dies
      const mode = workerEhrMode(); // worker 2: in-process, or the FALLBACK through the gateway (bench-roles.ts)
      workers = await spawnWorkers(2, (i) => ({
        ...baseEnv(prefix), LINK_BATCH_SIZE: '25',
        ...(i === 0 ? { EHR_FHIR_URL: ehr.url, EHR_API_KEY: linkerKey } : workerEhrEnv(mode, gateway.url, linkerKey)),
      }));
      const submitting = (async () => {
        for (let i = 0; i < 4; i++) expect((await submit(gateway.url, key, syntheticEnvelope(facility, `W${prefix}-${i}-`, 100, i + 21))).status).toBe(202);
      })();
      await waitFor(async () => ehr.calls > 0, 20_000, 'worker 1 to push a batch');
      await workers[0]!.kill('SIGKILL'); // within EHR_TIMEOUT_MS of its push: the job is still active
      await submitting;
      await expectLinkedExactlyOnce(facility, 400);
      summary.push(`1 of 2 workers SIGKILLed with a job in flight (400 episodes, ${ehr.calls} hung pushes)`);
    } finally {
      await Promise.all(workers.map((w) => w.kill('SIGTERM')));
      await gateway.kill('SIGTERM');
      await ehr.close();
    }
  }, 60_000);

  it('EHR answering 503, 429 and timing out for a while: circuit breaker limits calls, all linked exactly once', async () => {
    const prefix = `f${randomBytes(3).toString('hex')}`;
    let gatewayUrl = '';
    const ehr = await startFlakyEhr(() => gatewayUrl);
    const gw = await spawnGateway({ ...baseEnv(prefix), ROLE: 'all', EHR_FHIR_URL: ehr.url, EHR_API_KEY: linkerKey, LINK_BATCH_SIZE: '20' });
    gatewayUrl = gw.url;
    try {
      const { facility, key } = await newFacility();
      ehr.mode = '503';
      expect((await submit(gw.url, key, syntheticEnvelope(facility, `E${prefix}-`, 200, 3))).status).toBe(202);
      await new Promise((r) => setTimeout(r, 1500));
      ehr.mode = '429';
      await new Promise((r) => setTimeout(r, 1000));
      ehr.mode = 'hang';
      await new Promise((r) => setTimeout(r, 1500));
      const callsDuringOutage = ehr.calls;
      ehr.mode = 'up';
      await expectLinkedExactlyOnce(facility, 200);
      // 10 batches retried every ~200 ms for 4 s would be ~200+ calls without the breaker.
      expect(callsDuringOutage).toBeLessThan(60);
      summary.push(`EHR 503/429/timeout for 4 s (${callsDuringOutage} calls during outage)`);
    } finally {
      await gw.kill('SIGTERM');
      await ehr.close();
    }
  }, 120_000);

  it.skipIf(!canRestartServices)('Redis restart losing every queued job: the outbox relay re-queues, all linked exactly once', async () => {
    const prefix = `f${randomBytes(3).toString('hex')}`;
    let gatewayUrl = '';
    const ehr = await startFlakyEhr(() => gatewayUrl);
    const gw = await spawnGateway({ ...baseEnv(prefix), ROLE: 'all', EHR_FHIR_URL: ehr.url, EHR_API_KEY: linkerKey });
    gatewayUrl = gw.url;
    try {
      const { facility, key } = await newFacility();
      ehr.mode = '503';
      expect((await submit(gw.url, key, syntheticEnvelope(facility, `R${prefix}-`, 150, 5))).status).toBe(202);
      await services('restart-redis'); // SIGKILL, no persistence in tests: the queue is empty afterwards
      ehr.mode = 'up';
      await expectLinkedExactlyOnce(facility, 150);
      summary.push('Redis SIGKILL + restart with empty queue (150 episodes)');
    } finally {
      await gw.kill('SIGTERM');
      await ehr.close();
    }
  }, 120_000);

  it.skipIf(!canRestartServices)('PostgreSQL restart during linkage: acknowledged records all linked exactly once; ingest answers 503 while down', async () => {
    const prefix = `f${randomBytes(3).toString('hex')}`;
    const gw = await spawnGateway({ ...baseEnv(prefix), ROLE: 'all', LINK_BATCH_SIZE: '25' });
    try {
      const { facility, key } = await newFacility();
      expect((await submit(gw.url, key, syntheticEnvelope(facility, `P${prefix}-`, 300, 9))).status).toBe(202);
      await services('stop-pg');
      let during;
      try {
        during = await submit(gw.url, key, syntheticEnvelope(facility, `P${prefix}-x-`, 5, 10));
      } finally {
        await services('start-pg');
      }
      expect(during.status).toBe(503);
      expect(during.body.resourceType).toBe('OperationOutcome');
      await expectLinkedExactlyOnce(facility, 300, 60_000, gw.stderr);
      summary.push('PostgreSQL stop/start during linkage (300 episodes; ingest 503 while down)');
    } finally {
      await gw.kill('SIGTERM');
    }
  }, 120_000);

  it('gateway killed in the middle of a large upload: nothing half-stored, the resubmission links exactly once', async () => {
    const prefix = `f${randomBytes(3).toString('hex')}`;
    const port = await freePort();
    let gw = await spawnGateway({ ...baseEnv(prefix), ROLE: 'all' }, port);
    try {
      const { facility, key } = await newFacility();
      const xml = syntheticEnvelope(facility, `G${prefix}-`, 2000, 11);
      // Stream the envelope slowly so the gateway dies mid-request.
      const { Readable } = await import('node:stream');
      const pieces = Buffer.from(xml).reduce<Buffer[]>((acc, _b, i, all) => (i % 65536 === 0 ? [...acc, all.subarray(i, i + 65536)] : acc), []);
      const slow = Readable.from((async function* () {
        for (const p of pieces) {
          yield p;
          await new Promise((r) => setTimeout(r, 20));
        }
      })());
      const upload = fetch(`${gw.url}/ingest/qd130`, {
        method: 'POST', body: slow as unknown as ReadableStream, duplex: 'half',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/xml' },
      } as RequestInit).then((r) => r.status, (e: Error) => `error: ${e.message}`);
      await new Promise((r) => setTimeout(r, 300));
      await gw.kill('SIGKILL');
      expect(String(await upload)).toMatch(/^error/);
      const partial = await pool.query('SELECT count(*)::int AS n FROM records WHERE facility = $1', [facility]);
      expect(partial.rows[0].n).toBe(0);
      gw = await spawnGateway({ ...baseEnv(prefix), ROLE: 'all' }, port);
      const res = await submit(gw.url, key, xml);
      expect(res.status).toBe(202);
      await expectLinkedExactlyOnce(facility, 2000, 90_000);
      summary.push('gateway SIGKILL mid-upload of 2000 episodes, then resubmission');
    } finally {
      await gw.kill('SIGTERM');
    }
  }, 150_000);

  it('statistics add up after the faults', async () => {
    const { rows } = await pool.query(`SELECT facility, count(*)::int AS received,
        count(*) FILTER (WHERE status = 'linked')::int AS linked, count(*) FILTER (WHERE status = 'rejected')::int AS rejected,
        count(*) FILTER (WHERE status = 'failed')::int AS failed, count(*) FILTER (WHERE status IN ('accepted', 'unverified'))::int AS pending,
        count(*) FILTER (WHERE status = 'held')::int AS held
        FROM records GROUP BY facility`);
    // Held: a synthetic CCCD shared by two people with different birth dates waits for review (SOURCE_CONFLICT).
    for (const r of rows) expect(r.received).toBe(r.linked + r.rejected + r.held + r.failed + r.pending);
  });
});
