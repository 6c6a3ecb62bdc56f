import { randomBytes } from 'node:crypto';
import pino from 'pino';
import pg from 'pg';
import { createApiKey } from '../../gateway/auth/api-keys.js';
import { loadConfig } from '../../gateway/config.js';
import { startRuntime, type Runtime } from '../../gateway/runtime.js';
import type { Role } from '../../gateway/store/keys.repo.js';

/** The data key of tests when the environment names none (published: test data is synthetic). */
export const TEST_DATA_KEYS = `1:${Buffer.alloc(32, 0x7e).toString('base64')}`;

/** Real PostgreSQL and Redis from the environment (scripts/with-services.sh sets them), and the data keys to seal with. */
export function servicesEnv(): { DATABASE_URL: string; REDIS_URL: string; DATA_KEYS: string } {
  const { DATABASE_URL, REDIS_URL } = process.env;
  if (!DATABASE_URL || !REDIS_URL) throw new Error('DATABASE_URL and REDIS_URL must be set: run tests with `npm test`');
  return { DATABASE_URL, REDIS_URL, DATA_KEYS: process.env.DATA_KEYS || TEST_DATA_KEYS };
}

/** A gateway + worker in this process on a random port, with its own queue prefix. */
export async function startTestGateway(env: Record<string, string> = {}): Promise<Runtime & { pool: pg.Pool; key: (role: Role, facility?: string) => Promise<string> }> {
  const config = loadConfig({
    ...servicesEnv(),
    PORT: '0',
    QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}`,
    LINK_BACKOFF_MS: '100',
    LINK_ATTEMPTS: '3',
    RELAY_INTERVAL_MS: '500',
    RELAY_STALE_MS: '2000',
    LOG_LEVEL: 'silent',
    // In-process tests run without tsx's loader, which a worker thread would need.
    LINK_WORKER_THREAD: '0',
    ...env,
  });
  const runtime = await startRuntime(config, pino({ level: config.logLevel }));
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 4 });
  return {
    ...runtime,
    pool,
    key: async (role, facility) => (await createApiKey(pool, { role, facility: facility ?? null, label: `test ${role}` })).key,
    async stop() {
      await runtime.stop();
      await pool.end();
    },
  };
}

/** A test gateway with a fresh facility and a facility, an admin and a portal key: the usual start of an HTTP test. */
export async function startGatewayWithKeys(env: Record<string, string> = {}): Promise<{
  gw: Awaited<ReturnType<typeof startTestGateway>>; facility: string; facilityKey: string; adminKey: string; portalKey: string;
}> {
  const gw = await startTestGateway(env);
  const facility = await unusedFacility(gw.pool);
  return { gw, facility, facilityKey: await gw.key('facility', facility), adminKey: await gw.key('admin'), portalKey: await gw.key('portal') };
}

/** Poll until `check` returns a truthy value or the time runs out. */
export async function waitFor<T>(check: () => Promise<T | undefined | false>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A facility code no other test uses (5 chars, province 46). */
export function uniqueFacility(): string {
  return `46${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}`;
}

/**
 * A facility code (province 46) with no record and no register row in the shared test database yet:
 * for tests that assert a facility's exact counts (uniqueFacility draws from 1,000 codes only, and
 * a whole run uses hundreds of them).
 */
export async function unusedFacility(pool: pg.Pool): Promise<string> {
  for (let attempt = 0; attempt < 500; attempt += 1) {
    const code = uniqueFacility();
    const { rows } = await pool.query(
      'SELECT EXISTS (SELECT 1 FROM records WHERE facility = $1) OR EXISTS (SELECT 1 FROM facilities WHERE code = $1) AS used', [code],
    );
    if (!rows[0].used) return code;
  }
  throw new Error('no unused facility code left in province 46 of the test database');
}
