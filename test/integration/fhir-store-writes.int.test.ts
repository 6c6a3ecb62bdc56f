/**
 * The built-in store's writes on real PostgreSQL: a PUT of unchanged content makes no new version and
 * takes no row lock (so concurrent linkage jobs of one facility never wait on its Organization), a
 * changed or deleted resource gets a new version, and new values are stored lz4-compressed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Organization } from 'fhir/r4.js';
import { migrate } from '../../db/migrate.js';
import { applyWrites, type StoreWrite } from '../../ehr-store/fhir.repo.js';
import { createScratchDatabase, type ScratchDatabase } from '../helpers/database.js';

const org = (name: string): Organization => ({ resourceType: 'Organization', id: 'org-1', name, identifier: [{ system: 'urn:x', value: '46001' }] });
const put = (resource: Organization): StoreWrite => ({ method: 'PUT', type: resource.resourceType, id: resource.id!, resource });

describe('fhir_resources writes (real PostgreSQL)', () => {
  let db: ScratchDatabase;
  beforeAll(async () => {
    db = await createScratchDatabase('store_writes');
    await migrate(db.pool);
  });
  afterAll(async () => db?.drop());

  const version = async () => (await db.pool.query("SELECT version FROM fhir_resources WHERE resource_type = 'Organization' AND id = 'org-1'")).rows[0]?.version;

  it('creates, leaves unchanged content alone, versions a change, and revives a deleted resource', async () => {
    expect((await applyWrites(db.pool, [put(org('A'))], new Date()))[0]).toMatchObject({ status: '201 Created', version: 1 });
    expect((await applyWrites(db.pool, [put(org('A'))], new Date()))[0]).toMatchObject({ status: '200 OK', version: 1 });
    expect(await version()).toBe(1);
    expect((await applyWrites(db.pool, [put(org('B'))], new Date()))[0]).toMatchObject({ status: '200 OK', version: 2 });
    await applyWrites(db.pool, [{ method: 'DELETE', type: 'Organization', id: 'org-1' }], new Date());
    expect(await version()).toBe(3);
    expect((await applyWrites(db.pool, [put(org('B'))], new Date()))[0]).toMatchObject({ status: '200 OK', version: 4 });
    const deleted = await db.pool.query("SELECT deleted FROM fhir_resources WHERE id = 'org-1'");
    expect(deleted.rows[0].deleted).toBe(false);
  });

  it('an unchanged PUT does not wait for another open transaction that wrote the same resource', async () => {
    const holder = await db.pool.connect();
    const other = await db.pool.connect();
    try {
      await holder.query('BEGIN');
      await applyWrites(holder, [put(org('B'))], new Date()); // unchanged: no lock taken
      await other.query('BEGIN');
      await other.query("SET LOCAL lock_timeout = '2s'");
      const answer = await applyWrites(other, [put(org('B'))], new Date());
      expect(answer[0]).toMatchObject({ status: '200 OK', version: 4 });
      await other.query('COMMIT');
      // A changed PUT still takes the row: the second writer would wait, here it times out.
      await holder.query('SAVEPOINT s');
      await applyWrites(holder, [put(org('C'))], new Date());
      await other.query('BEGIN');
      await other.query("SET LOCAL lock_timeout = '200ms'");
      await expect(applyWrites(other, [put(org('D'))], new Date())).rejects.toThrow(/lock timeout/);
      await other.query('ROLLBACK');
      await holder.query('COMMIT');
    } finally {
      holder.release();
      other.release();
    }
    expect(await version()).toBe(5);
  });

  it('a skipped PUT is still the last word when its transaction waited for another that changed the resource', async () => {
    const patient = (name: string) => ({ resourceType: 'Patient', id: 'p-race', name: [{ text: name }] }) as unknown as Organization;
    const orgB = (name: string): Organization => ({ ...org(name), id: 'org-race' });
    await applyWrites(db.pool, [put(patient('X')), put(orgB('start'))], new Date());
    const a = await db.pool.connect();
    const b = await db.pool.connect();
    try {
      await b.query('BEGIN');
      await applyWrites(b, [put(orgB('from B'))], new Date()); // B holds the Organization row
      await a.query('BEGIN');
      // A: its Patient is unchanged (skipped), its Organization change waits for B.
      const aDone = applyWrites(a, [put(patient('X')), put(orgB('from A'))], new Date());
      for (let i = 0; i < 100; i++) {
        const waiting = await db.pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        if (waiting.rows[0].n > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await applyWrites(b, [put(patient('Y'))], new Date()); // B changes the Patient A skipped
      await b.query('COMMIT');
      await aDone;
      await a.query('COMMIT'); // A commits last: its Patient must be what is stored
    } finally {
      a.release();
      b.release();
    }
    const stored = await db.pool.query("SELECT content->'name'->0->>'text' AS name, version FROM fhir_resources WHERE resource_type = 'Patient' AND id = 'p-race'");
    expect(stored.rows[0]).toEqual({ name: 'X', version: 3 });
  });

  it('stores new resource content with lz4 when the server has it', async () => {
    const big = org('X'.repeat(5000));
    await applyWrites(db.pool, [put({ ...big, id: 'org-big' })], new Date());
    const { rows } = await db.pool.query(
      `SELECT pg_column_compression(content) AS c, (SELECT 'lz4' = ANY (enumvals) FROM pg_settings WHERE name = 'default_toast_compression') AS has
         FROM fhir_resources WHERE id = 'org-big'`,
    );
    expect(rows[0].c).toBe(rows[0].has ? 'lz4' : 'pglz');
  });
});
