import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../gateway/auth/api-keys.js';
import { migrate } from '../../db/migrate.js';
import { workerEhrEnv, workerEhrMode } from '../../scripts/lib/bench-roles.js';
import { envelope, makeXml1, xml1Document, type Xml1Fields } from '../../scripts/lib/qd130-synthetic.js';
import { servicesEnv, waitFor } from '../helpers/gateway.js';
import { spawnGateway, spawnWorkers, type GatewayProcess } from '../helpers/process.js';

/**
 * The production layout: 2 ROLE=gateway + 2 ROLE=worker processes on one PostgreSQL + Redis.
 * Uploads go to both gateways at once, with resubmissions, corrections and an envelope sent to both
 * gateways concurrently; every accepted record must end linked exactly once.
 */
const SID = { maLk: 'http://fhir.hl7.org.vn/core/sid/ma-lk', cccd: 'http://fhir.hl7.org.vn/core/sid/cccd' };

interface Episode {
  facility: string;
  fields: Xml1Fields;
}

const envelopeOf = (facility: string, episodes: readonly Episode[]) => envelope(facility, episodes.map((e) => [['XML1', xml1Document(e.fields)]]));

describe('scale-out: 2 gateways + 2 workers as real processes', () => {
  const env = servicesEnv();
  const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 3 });
  const prefix = `so${randomBytes(3).toString('hex')}`;
  const processes: GatewayProcess[] = [];
  let gateways: GatewayProcess[] = [];
  let workers: GatewayProcess[] = [];
  let admin = '';
  const facilityKey = new Map<string, string>();

  /** An unused facility code of province 46 (synthetic CCCDs of province 046 stay valid). */
  async function freshFacility(): Promise<string> {
    for (;;) {
      const code = `46${String(Math.floor(Math.random() * 900) + 100)}`;
      const { rows } = await pool.query('SELECT 1 FROM records WHERE facility = $1 LIMIT 1', [code]);
      if (rows.length === 0 && !facilityKey.has(code)) return code;
    }
  }

  beforeAll(async () => {
    await migrate(pool);
    admin = (await createApiKey(pool, { role: 'admin', label: `scale-out ${prefix}` })).key;
    const base = {
      ...env, QUEUE_PREFIX: prefix, LINK_BATCH_SIZE: '20', LINK_BACKOFF_MS: '200', LINK_ATTEMPTS: '10', RELAY_INTERVAL_MS: '500',
      RELAY_STALE_MS: '2000', WORKER_LOCK_MS: '3000', RATE_LIMIT_PER_MINUTE: '100000',
    };
    gateways = await Promise.all([0, 1].map(() => spawnGateway({ ...base, ROLE: 'gateway' })));
    processes.push(...gateways);
    const mode = workerEhrMode(); // in-process, or the FALLBACK through a gateway's /fhir (see bench-roles.ts)
    const linker = mode === 'gateway' ? (await createApiKey(pool, { role: 'linker', label: `scale-out ${prefix}` })).key : '';
    workers = await spawnWorkers(2, (i) => ({ ...base, ...workerEhrEnv(mode, gateways[i]!.url, linker) }));
    processes.push(...workers);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGTERM')));
    await pool.end();
  });

  const post = async (gateway: GatewayProcess, facility: string, xml: string) => {
    const res = await fetch(`${gateway.url}/ingest/qd130`, {
      method: 'POST', body: xml, headers: { authorization: `Bearer ${facilityKey.get(facility)}`, 'content-type': 'application/xml' },
    });
    expect(res.status).toBe(202);
    return (await res.json()) as { records: Array<{ key: string; status: string }> };
  };

  it('links every accepted record exactly once, one Patient per CCCD, statistics adding up', async () => {
    // What an idle worker burns (relay polls, BullMQ): the yardstick for "did some of the work".
    // Sampled after a settling second (a worker just started is still warming up) over two seconds,
    // so the clock-tick granularity of the CPU counter weighs less.
    await new Promise((r) => setTimeout(r, 1000));
    const idleFrom = workers.map((w) => w.cpuSeconds() ?? 0);
    await new Promise((r) => setTimeout(r, 2000));
    const cpuBefore = workers.map((w) => w.cpuSeconds() ?? 0);
    const idlePerSecond = cpuBefore.map((c, i) => (c - idleFrom[i]!) / 2);
    const linkingFrom = performance.now();
    const [fa, fb] = [await freshFacility(), await freshFacility()];
    for (const f of [fa, fb]) facilityKey.set(f, (await createApiKey(pool, { role: 'facility', facility: f, label: `scale-out ${prefix}` })).key);
    const key = (part: string, i: number) => `S${prefix}-${part}-${i}`;
    const seed = Number.parseInt(prefix.slice(2), 16);
    // A: 100 episodes, 0–4 with a malformed CCCD; 30–39 are the same people as 20–29 (other episodes).
    const a: Episode[] = Array.from({ length: 100 }, (_, i) => ({
      facility: fa,
      fields: makeXml1(fa, key('A', i), seed + (i >= 30 && i < 40 ? i - 10 : i), i < 5 ? { SO_CCCD: '12345' } : {}),
    }));
    // B: another facility; 10 of its patients are A's people 50–59.
    const b: Episode[] = Array.from({ length: 100 }, (_, i) => {
      const same = i < 10 ? a[50 + i]!.fields : undefined;
      const person: Xml1Fields = same ? { SO_CCCD: same.SO_CCCD!, NGAY_SINH: same.NGAY_SINH!, GIOI_TINH: same.GIOI_TINH!, HO_TEN: same.HO_TEN! } : {};
      return { facility: fb, fields: makeXml1(fb, key('B', i), seed + 1000 + i, person) };
    });
    // C: one envelope sent to both gateways at the same time (concurrent duplicates).
    const c: Episode[] = Array.from({ length: 60 }, (_, i) => ({ facility: fa, fields: makeXml1(fa, key('C', i), seed + 2000 + i) }));
    await Promise.all([
      post(gateways[0]!, fa, envelopeOf(fa, a)),
      post(gateways[1]!, fb, envelopeOf(fb, b)),
      post(gateways[0]!, fa, envelopeOf(fa, c)),
      post(gateways[1]!, fa, envelopeOf(fa, c)),
    ]);
    // Resubmissions while the first versions are being linked: 40–69 drop their secondary diagnoses;
    // 0–4 come back corrected (the rejected records stay rejected, the new ones link).
    const resubmitted: Episode[] = a.slice(40, 70).map((e) => ({ ...e, fields: { ...e.fields, MA_BENH_KT: '' } }));
    const corrected = a.slice(0, 5).map((e, i) => ({ ...e, fields: makeXml1(fa, e.fields.MA_LK!, seed + 3000 + i) }));
    await Promise.all([post(gateways[1]!, fa, envelopeOf(fa, resubmitted)), post(gateways[0]!, fa, envelopeOf(fa, corrected))]);

    // Settled: the statistics of both facilities show nothing pending.
    type Stats = { facility: string; received: number; linked: number; rejected: number; failed: number; pending: number };
    const from = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const stats = await waitFor(async () => {
      const res = await fetch(`${gateways[1]!.url}/api/stats/facilities?from=${from}`, { headers: { authorization: `Bearer ${admin}` } });
      const mine = ((await res.json()) as { facilities: Stats[] }).facilities.filter((s) => s.facility === fa || s.facility === fb);
      return mine.length === 2 && mine.every((s) => s.pending === 0) ? mine : undefined;
    }, 30_000, 'every record settled');
    const byFacility = Object.fromEntries(stats.map((s) => [s.facility, s]));
    expect(byFacility[fa]).toMatchObject({ received: 100 + 120 + 30 + 5, linked: 250, rejected: 5, failed: 0, pending: 0 });
    expect(byFacility[fb]).toMatchObject({ received: 100, linked: 100, rejected: 0, failed: 0, pending: 0 });
    for (const s of stats) expect(s.received).toBe(s.linked + s.rejected + s.failed + s.pending);

    const { rows: statuses } = await pool.query(
      `SELECT status, count(*)::int AS n FROM records WHERE facility = ANY($1) GROUP BY status ORDER BY status`, [[fa, fb]]);
    expect(statuses).toEqual([{ status: 'linked', n: 350 }, { status: 'rejected', n: 5 }]);

    // One Encounter per episode (260 distinct MA_LK), counted by identifier.
    const { rows: encounters } = await pool.query(
      `SELECT t, count(*)::int AS n FROM fhir_resources, unnest(tokens) AS t
        WHERE resource_type = 'Encounter' AND NOT deleted AND t LIKE $1 GROUP BY t`, [`identifier=${SID.maLk}|S${prefix}-%`]);
    expect(encounters).toHaveLength(260);
    expect(encounters.filter((r) => r.n !== 1)).toEqual([]);

    // One Patient per CCCD of an accepted episode.
    const cccds = [...new Set([...a.slice(5), ...corrected, ...b, ...c].map((e) => e.fields.SO_CCCD!))];
    const { rows: patients } = await pool.query(
      `SELECT t, count(*)::int AS n FROM fhir_resources, unnest(tokens) AS t
        WHERE resource_type = 'Patient' AND NOT deleted AND tokens && $1::text[] AND t = ANY($1::text[]) GROUP BY t`,
      [cccds.map((v) => `identifier=${SID.cccd}|${v}`)]);
    expect(patients).toHaveLength(cccds.length);
    expect(patients.filter((r) => r.n !== 1)).toEqual([]);

    // The resubmitted episodes kept only their main diagnosis.
    const { rows: conditions } = await pool.query(
      `SELECT e.id, count(c.id)::int AS n FROM fhir_resources e
         LEFT JOIN fhir_resources c ON c.resource_type = 'Condition' AND NOT c.deleted AND c.tokens @> ARRAY['encounter=Encounter/' || e.id]
        WHERE e.resource_type = 'Encounter' AND e.tokens && $1::text[] GROUP BY e.id`,
      [resubmitted.map((e) => `identifier=${SID.maLk}|${e.fields.MA_LK}`)]);
    expect(conditions).toHaveLength(30);
    expect(conditions.filter((r) => r.n !== 1)).toEqual([]);

    // Both workers took part: each used clearly more CPU than idling for as long would have.
    const seconds = (performance.now() - linkingFrom) / 1000;
    const used = workers.map((w, i) => (w.cpuSeconds() ?? 0) - cpuBefore[i]!);
    console.log(`[scale-out] worker CPU over ${seconds.toFixed(1)} s of linking: ${used.map((s) => `${s.toFixed(2)} s`).join(', ')}; idle ${idlePerSecond.map((s) => s.toFixed(2)).join(', ')} s/s`);
    // A worker that took no job burns its idle rate; 0.08 s (8 clock ticks) above it is work done.
    used.forEach((s, i) => expect(s).toBeGreaterThan(idlePerSecond[i]! * seconds + 0.08));
  }, 60_000);
});
