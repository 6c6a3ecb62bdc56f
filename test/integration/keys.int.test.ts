import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, KeyVerifier } from '../../gateway/auth/api-keys.js';
import { findKey } from '../../gateway/store/keys.repo.js';
import { migrate } from '../../db/migrate.js';
import pino from 'pino';
import { loadConfig } from '../../gateway/config.js';
import { startRuntime } from '../../gateway/runtime.js';
import { servicesEnv, startTestGateway } from '../helpers/gateway.js';

const run = promisify(execFile);
/** `npm run keys -- …` as an operator runs it (the CLI, not its functions). */
const keysCli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'scripts/keys.ts', ...args], { env: { ...process.env, ...servicesEnv() } });

describe('API keys: last use, expiry, scopes (real PostgreSQL)', () => {
  const pool = new pg.Pool({ connectionString: servicesEnv().DATABASE_URL, max: 2 });
  beforeAll(() => migrate(pool));
  afterAll(() => pool.end());

  it('records the last use at most once a minute per key', async () => {
    const { id, key } = await createApiKey(pool, { role: 'portal', label: 'touch test' });
    let now = Date.parse('2026-12-01T08:00:00Z');
    const verifier = new KeyVerifier(pool, 10_000, () => now);
    expect((await findKey(pool, id))!.lastUsedAt).toBeNull();
    await verifier.verify(key);
    await expect.poll(async () => (await findKey(pool, id))!.lastUsedAt).not.toBeNull();
    const first = (await findKey(pool, id))!.lastUsedAt!;
    await pool.query("UPDATE api_keys SET last_used_at = last_used_at - interval '1 hour' WHERE id = $1", [id]);
    now += 30_000;
    await verifier.verify(key); // within the minute: no write
    await new Promise((r) => setTimeout(r, 200));
    expect((await findKey(pool, id))!.lastUsedAt!.getTime()).toBe(first.getTime() - 3_600_000);
    now += 61_000;
    await verifier.verify(key); // a minute later: written again
    await expect.poll(async () => (await findKey(pool, id))!.lastUsedAt!.getTime()).toBeGreaterThan(first.getTime() - 60_000);
  });

  it('refuses an expired key', async () => {
    const { key } = await createApiKey(pool, { role: 'portal', label: 'expired', expiresAt: new Date(Date.now() - 1000) });
    expect(await new KeyVerifier(pool).verify(key)).toBeUndefined();
  });

  it('CLI: create with expiry and scope, list shows them, expiring lists the keys that expire soon', async () => {
    const created = await keysCli('create', '--role', 'portal', '--label', 'reporting job', '--expires-days', '5', '--scope', 'bulk-read');
    const id = /created key (\w+)/.exec(created.stdout)![1]!;
    expect((await findKey(pool, id))!.scopes).toEqual(['bulk-read']);
    const soon = await keysCli('expiring', '--days', '10');
    expect(soon.stdout).toMatch(new RegExp(`^${id}\\tportal\\t-\\tactive\\t\\d{4}-`, 'm'));
    const later = await keysCli('expiring', '--days', '2');
    expect(later.stdout).not.toContain(id);
    const list = await keysCli('list');
    expect(list.stdout).toMatch(new RegExp(`^${id}\\t.*\\tnever used\\tbulk-read\\treporting job$`, 'm'));
    await expect(keysCli('create', '--role', 'portal', '--scope', 'everything')).rejects.toThrow(/unknown --scope everything/);
  });

  it('starting the gateway creates no credential of its own (the built-in store is written in-process)', async () => {
    const before = (await pool.query('SELECT count(*)::int AS n FROM api_keys')).rows[0].n;
    const gw = await startTestGateway();
    await gw.stop();
    expect((await pool.query('SELECT count(*)::int AS n FROM api_keys')).rows[0].n).toBe(before);
  });

  it('warns at start when an external EHR is configured without EHR_API_KEY', async () => {
    const lines: string[] = [];
    const config = loadConfig({ ...servicesEnv(), ROLE: 'worker', EHR_FHIR_URL: 'http://127.0.0.1:9/fhir', QUEUE_PREFIX: `kw${Date.now()}`, LOG_LEVEL: 'warn', DATA_ENCRYPTION: 'off' });
    const runtime = await startRuntime(config, pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) }));
    await runtime.stop();
    expect(lines.some((l) => l.includes('EHR_FHIR_URL is set without EHR_API_KEY'))).toBe(true);
  });
});
