/**
 * Load the demo month into a running demo gateway (`npm start` runs it once, DEMO=1 only):
 * `tsx scripts/demo-data.ts` with GATEWAY_URL (default http://127.0.0.1:$PORT) and DATABASE_URL.
 *
 * 1. Skip when the demo facilities already have records (the month is loaded once per database).
 * 2. POST the uploads of scripts/lib/demo/month.ts through the real routes with the demo keys:
 *    claim XML per facility and week, vaccination CSVs; every category of records/model.ts occurs.
 * 3. Wait until the worker has linked what was accepted.
 * 4. Demo only, in SQL: spread the arrival times over the month (each record "arrived" on its
 *    date of service, so the dashboard's time series shows a month, not one afternoon), and turn a
 *    few linked records of 51002 into `failed` with the OperationOutcome of an EHR that answered
 *    503 after its retries, so the re-run button has something to do. The counting triggers see
 *    both changes as they see any other.
 * Never run it against a database holding real data.
 */
import pg from 'pg';
import { DEMO_KEYS } from '../gateway/auth/demo-keys.js';
import { demoMonth } from './lib/demo/month.js';

const say = (msg: string) => process.stderr.write(`[demo-data] ${msg}\n`);
const base = process.env.GATEWAY_URL ?? `http://127.0.0.1:${process.env.PORT ?? '8080'}`;
const adminKey = DEMO_KEYS.find((k) => k.role === 'admin')!.key;
const keyOf = (facility?: string) => (facility ? DEMO_KEYS.find((k) => k.facility === facility)?.key : undefined) ?? adminKey;

async function waitForGateway(): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the gateway did not answer at ${base}/healthz`);
}

async function upload(u: ReturnType<typeof demoMonth>[number]): Promise<string | null> {
  const res = await fetch(`${base}${u.path}`, { method: 'POST', headers: { authorization: `Bearer ${keyOf(u.asFacility)}`, 'content-type': u.contentType }, body: u.body });
  const answer = (await res.json().catch(() => ({}))) as { submissionId?: string };
  if (res.status !== 202) say(`${u.path} for ${u.facility}: ${res.status}`);
  return answer.submissionId ?? null;
}

async function waitLinked(db: pg.Pool, submissions: string[]): Promise<number> {
  for (let i = 0; i < 240; i++) {
    const { rows: [r] } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM records WHERE submission_id = ANY($1::uuid[]) AND status = 'accepted'", [submissions]);
    if (r!.n === 0) return 0;
    await new Promise((res) => setTimeout(res, 500));
  }
  const { rows: [r] } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM records WHERE submission_id = ANY($1::uuid[]) AND status = 'accepted'", [submissions]);
  return r!.n;
}

/** Demo only: arrival on the date of service (09:00–17:00 Vietnam time), linkage seconds later. */
async function spreadArrivals(db: pg.Pool, submissions: string[]): Promise<void> {
  await db.query(
    `UPDATE records SET received_at = (service_date + time '09:00' + make_interval(mins => (id % 480)::int)) AT TIME ZONE 'Asia/Ho_Chi_Minh',
            linked_at = CASE WHEN linked_at IS NULL THEN NULL ELSE (service_date + time '09:00' + make_interval(mins => (id % 480)::int, secs => 3 + (id % 40)::int)) AT TIME ZONE 'Asia/Ho_Chi_Minh' END
      WHERE submission_id = ANY($1::uuid[]) AND service_date IS NOT NULL AND service_date < current_date`,
    [submissions],
  );
  await db.query(
    `UPDATE submissions s SET received_at = r.first FROM (SELECT submission_id, min(received_at) AS first FROM records WHERE submission_id = ANY($1::uuid[]) GROUP BY 1) r
      WHERE s.id = r.submission_id`,
    [submissions],
  );
}

async function failSome(db: pg.Pool, submissions: string[]): Promise<number> {
  const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient', diagnostics: 'EHR answered 503 Service Unavailable (demo)' }] };
  const res = await db.query(
    `UPDATE records SET status = 'failed', attempts = 8, last_error = $2::jsonb, updated_at = now()
      WHERE id IN (SELECT id FROM records WHERE submission_id = ANY($1::uuid[]) AND facility = '51002' AND status = 'linked' ORDER BY id LIMIT 4)`,
    [submissions, JSON.stringify(outcome)],
  );
  return res.rowCount ?? 0;
}

async function main(): Promise<void> {
  if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL must be set');
  const db = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
  try {
    await waitForGateway(); // it migrates the database before it listens
    const { rows: [loaded] } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM records WHERE facility = ANY('{46002,46003,51002,51004,62001}')");
    if (loaded!.n > 0) {
      say('the demo month is already loaded');
      return;
    }
    const uploads = demoMonth(new Date());
    const submissions: string[] = [];
    for (const u of uploads) {
      if (u.afterLinkage) await waitLinked(db, submissions);
      const id = await upload(u);
      if (id) submissions.push(id);
    }
    const left = await waitLinked(db, submissions);
    if (left > 0) say(`${left} records still pending linkage; their arrival stays today`);
    await spreadArrivals(db, submissions);
    const failed = await failSome(db, submissions);
    const { rows } = await db.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM records WHERE submission_id = ANY($1::uuid[]) GROUP BY 1 ORDER BY 1', [submissions]);
    say(`loaded ${uploads.length} uploads of the last 30 days: ${rows.map((r) => `${r.n} ${r.status}`).join(', ')} (${failed} marked failed for the re-run demo)`);
  } finally {
    await db.end();
  }
}

main().catch((err) => {
  say(`failed: ${(err as Error).message}`);
  process.exit(1);
});
