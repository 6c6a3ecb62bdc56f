import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataKeyring, SealedDataError, newDataKeySpec, parseDataKeys } from '../../db/encryption.js';
import { archiveKeyId, readRawArchive } from '../../records/raw-archive-file.js';
import { recordPayload } from '../../records/records.repo.js';
import { readRawSubmission } from '../../records/submissions.repo.js';
import { envelope, makeXml1, xml1Document, type Xml1Fields } from '../../scripts/lib/qd130-synthetic.js';
import { servicesEnv, startTestGateway, uniqueFacility, waitFor } from '../helpers/gateway.js';

/**
 * Encryption at rest and raw retention, end to end on real PostgreSQL + Redis: HTTP ingest stores
 * no plaintext, linkage and the API still work, keys rotate (old and new rows readable, the `data rekey`
 * CLI retires a key), an unknown key id is a clear error, and `data archive` moves old raw bytes to
 * checksummed, sealed files. It runs in a database of its own, because rekey and archive act on a whole database.
 */

const run = promisify(execFile);
type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
const CCCD_SYSTEM = 'http://fhir.hl7.org.vn/core/sid/cccd';
const SEED = Math.floor(Math.random() * 1e9);
const KEY_A = newDataKeySpec(11);
const KEY_B = newDataKeySpec(12);
const KEY_C = newDataKeySpec(13);
const ring = (spec: string) => new DataKeyring(parseDataKeys(spec));

describe('data at rest: sealed raw submissions and payloads, rotation, retention (real PostgreSQL)', () => {
  let databaseUrl: string;
  let admin: pg.Pool;
  let pool: pg.Pool;
  let archiveDir: string;
  const dbName = `fgw_dar_${randomBytes(4).toString('hex')}`;
  const facility = uniqueFacility();

  /** `npm run data -- …` as an operator runs it, on this test's database. */
  const dataCli = (keys: string, ...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'scripts/data-at-rest.ts', ...args], {
      env: { ...process.env, DATABASE_URL: databaseUrl, DATA_KEYS: keys, RAW_ARCHIVE_DIR: archiveDir },
    });
  const gateway = (keys: string, env: Record<string, string> = {}) => startTestGateway({ DATABASE_URL: databaseUrl, DATA_KEYS: keys, ...env });

  /** Submit one episode through HTTP; returns the submission id, its body and the person in it. */
  async function submit(gw: Gateway, key: string, n: number, gzip = false): Promise<{ id: string; body: Buffer; person: Xml1Fields }> {
    const person = makeXml1(facility, `LK-DAR-${n}-${SEED}`, SEED + n, { HO_TEN: `Phạm Thị Riêngtư${n}` });
    const xml = Buffer.from(envelope(facility, [[['XML1', xml1Document(person)]]]), 'utf8');
    const body = gzip ? gzipSync(xml) : xml;
    let req = request(gw.url).post('/ingest/qd130').set('Authorization', `Bearer ${key}`).set('Content-Type', 'application/xml');
    if (gzip) req = req.set('Content-Encoding', 'gzip');
    const res = await req.send(body);
    expect(res.status).toBe(202);
    return { id: res.body.submissionId, body, person };
  }
  const rawOf = async (keyring: DataKeyring, id: string) => {
    const parts: Buffer[] = [];
    for await (const c of readRawSubmission(pool, keyring, id)) parts.push(c);
    return Buffer.concat(parts);
  };
  const payloadOf = async (keyring: DataKeyring, submissionId: string) => {
    const { rows: [r] } = await pool.query('SELECT id FROM records WHERE submission_id = $1', [submissionId]);
    return recordPayload(pool, keyring, Number(r.id));
  };

  beforeAll(async () => {
    const base = servicesEnv().DATABASE_URL;
    admin = new pg.Pool({ connectionString: base, max: 1 });
    await admin.query(`CREATE DATABASE ${dbName}`);
    const url = new URL(base);
    url.pathname = `/${dbName}`;
    databaseUrl = url.toString();
    pool = new pg.Pool({ connectionString: databaseUrl, max: 3 });
    archiveDir = await mkdtemp(join(tmpdir(), 'fgw-archive-'));
  });
  afterAll(async () => {
    await pool?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin?.end();
    if (archiveDir) await rm(archiveDir, { recursive: true, force: true });
  });

  const subs: Array<{ id: string; body: Buffer; person: Xml1Fields }> = [];

  it('stores no plaintext (raw chunk and payload), while the API, linkage and the FHIR store work', async () => {
    const gw = await gateway(KEY_A);
    try {
      const facilityKey = await gw.key('facility', facility);
      const adminKey = await gw.key('admin');
      const portalKey = await gw.key('portal');
      const s = await submit(gw, facilityKey, 1);
      subs.push(s);

      const { rows: chunks } = await pool.query('SELECT data, sealed FROM submission_chunks WHERE submission_id = $1', [s.id]);
      expect(chunks.length).toBe(1);
      expect(chunks[0].sealed).toBe(true);
      const stored: Buffer = chunks[0].data;
      const inner = Buffer.from(xml1Document(s.person), 'utf8').toString('base64').slice(0, 64);
      for (const secret of [s.person.HO_TEN!, s.person.SO_CCCD!, s.person.DIA_CHI!, '<GIAMDINHHS', inner, facility]) {
        expect(stored.includes(Buffer.from(secret, 'utf8')), `raw chunk holds ${secret.slice(0, 12)}…`).toBe(false);
      }
      expect(DataKeyring.keyIdOf(stored)).toBe(11);

      const { rows: recs } = await pool.query('SELECT payload, payload_sealed FROM records WHERE submission_id = $1', [s.id]);
      expect(recs[0].payload).toBeNull();
      const sealedPayload: Buffer = recs[0].payload_sealed;
      for (const secret of [s.person.HO_TEN!, s.person.SO_CCCD!, s.person.DIA_CHI!, s.person.DIEN_THOAI!]) {
        expect(sealedPayload.includes(Buffer.from(secret, 'utf8')), 'payload holds personal data').toBe(false);
      }

      // What was stored opens to exactly what was sent.
      expect((await rawOf(ring(KEY_A), s.id)).equals(s.body)).toBe(true);
      expect(JSON.stringify(await payloadOf(ring(KEY_A), s.id))).toContain(s.person.SO_CCCD);

      const view = await waitFor(async () => {
        const res = await request(gw.url).get(`/api/submissions/${s.id}`).set('Authorization', `Bearer ${adminKey}`);
        return res.body.counts?.linked === 1 ? res.body : undefined;
      }, 20_000, 'the record to link');
      expect(view).toMatchObject({ submissionId: s.id, facility, byteSize: s.body.length, records: [{ key: s.person.MA_LK, status: 'linked' }] });
      const found = await request(gw.url).get('/fhir/Patient').query({ identifier: `${CCCD_SYSTEM}|${s.person.SO_CCCD}` }).set('Authorization', `Bearer ${portalKey}`);
      expect(found.body.total).toBe(1);
      expect(found.body.entry[0].resource.name[0].text).toBe(s.person.HO_TEN);
    } finally {
      await gw.stop();
    }
  });

  it('rotates keys: with B current and A still listed, old (A) and new (B) rows read; rekey lets A go', async () => {
    const gw = await gateway(`${KEY_B},${KEY_A}`);
    try {
      const facilityKey = await gw.key('facility', facility);
      subs.push(await submit(gw, facilityKey, 2), await submit(gw, facilityKey, 3, true));
    } finally {
      await gw.stop();
    }
    const [a, b, bGzip] = subs as [typeof subs[0], typeof subs[0], typeof subs[0]];
    const both = ring(`${KEY_B},${KEY_A}`);
    const { rows: [chunkB] } = await pool.query('SELECT data FROM submission_chunks WHERE submission_id = $1', [b.id]);
    expect(DataKeyring.keyIdOf(chunkB.data)).toBe(12);
    for (const s of [a, b, bGzip]) {
      expect((await rawOf(both, s.id)).equals(s.body)).toBe(true);
      expect(JSON.stringify(await payloadOf(both, s.id))).toContain(s.person.SO_CCCD);
    }
    // Without A, the old row is a clear error naming the key, never garbage.
    const onlyB = ring(KEY_B);
    await expect(payloadOf(onlyB, a.id)).rejects.toThrow(/sealed with data key 11, which DATA_KEYS does not list \(it lists 12\)/);
    await expect(rawOf(onlyB, a.id)).rejects.toBeInstanceOf(SealedDataError);

    // Plaintext rows (written before encryption at rest, or with DATA_ENCRYPTION=off) stay readable.
    const off = await gateway('', { DATA_ENCRYPTION: 'off' });
    try {
      subs.push(await submit(off, await off.key('facility', facility), 4));
    } finally {
      await off.stop();
    }
    const plain = subs[3]!;
    const { rows: [plainRow] } = await pool.query('SELECT r.payload, r.payload_sealed, c.sealed, c.data FROM records r JOIN submission_chunks c USING (submission_id) WHERE r.submission_id = $1', [plain.id]);
    expect(plainRow).toMatchObject({ payload_sealed: null, sealed: false });
    expect(plainRow.data.equals(plain.body)).toBe(true);
    expect((await rawOf(both, plain.id)).equals(plain.body)).toBe(true);
    expect(JSON.stringify(await payloadOf(both, plain.id))).toContain(plain.person.SO_CCCD);
    expect(JSON.parse((await dataCli(KEY_B, 'status')).stdout)).toMatchObject({ payloads: { 11: 1, 12: 2, plaintext: 1 }, chunks: { 11: 1, 12: 2, plaintext: 1 } });

    const { stdout } = await dataCli(`${KEY_B},${KEY_A}`, 'rekey', '--batch', '1');
    expect(stdout).toMatch(/all stored values are sealed with key 12 \(2 payloads, 2 raw chunks, 0 archives re-sealed/);
    const status = JSON.parse((await dataCli(KEY_B, 'status')).stdout);
    expect(status).toEqual({ currentKey: 12, listedKeys: [12], payloads: { 12: 4 }, facts: {}, chunks: { 12: 4 }, archives: {} });
    const { rows: [resealed] } = await pool.query('SELECT r.payload, c.data FROM records r JOIN submission_chunks c USING (submission_id) WHERE r.submission_id = $1', [plain.id]);
    expect(resealed.payload).toBeNull();
    expect(resealed.data.includes(Buffer.from('<GIAMDINHHS'))).toBe(false);
    for (const s of [a, b, bGzip, plain]) {
      expect((await rawOf(onlyB, s.id)).equals(s.body)).toBe(true);
      expect(JSON.stringify(await payloadOf(onlyB, s.id))).toContain(s.person.SO_CCCD);
    }
  });

  it('fails clearly on a row sealed with an unknown key id, in the API of the repo and in the CLI', async () => {
    const a = subs[0]!;
    const { rows: [r] } = await pool.query('SELECT id, payload_sealed FROM records WHERE submission_id = $1', [a.id]);
    await pool.query('UPDATE records SET payload_sealed = set_byte(payload_sealed, 1, 99) WHERE id = $1', [r.id]);
    try {
      const err = await payloadOf(ring(KEY_B), a.id).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SealedDataError);
      expect((err as SealedDataError).reason).toBe('unknown-key');
      const cli = await dataCli(`${KEY_C},${KEY_B}`, 'rekey').then(() => undefined, (e: { code: number; stderr: string }) => e);
      expect(cli?.code).toBe(1);
      expect(cli?.stderr).toMatch(/records\.payload\/.+\/1: sealed with data key 99, which DATA_KEYS does not list/);
      expect(cli?.stderr).not.toContain(a.person.SO_CCCD);
    } finally {
      await pool.query('UPDATE records SET payload_sealed = $2 WHERE id = $1', [r.id, r.payload_sealed]);
    }
  });

  it('archives raw bytes past RAW_RETENTION_DAYS to a sealed, checksummed gzip file; keeps the submission and its records', async () => {
    const [a, , bGzip] = subs as [typeof subs[0], typeof subs[0], typeof subs[0]];
    await pool.query("UPDATE submissions SET received_at = now() - interval '400 days' WHERE id = ANY($1::uuid[])", [[a.id, bGzip.id]]);
    const recordsBefore = (await pool.query('SELECT count(*)::int AS n FROM records')).rows[0].n;

    const { stdout } = await dataCli(KEY_B, 'archive');
    expect(stdout).toMatch(/archived the raw bytes of 2 submission\(s\) older than 365 days/);

    const { rows } = await pool.query('SELECT id, archived_at, archive_file, sha256 FROM submissions ORDER BY received_at');
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const s of [a, bGzip]) {
      const row = byId.get(s.id)!;
      expect(row.archived_at).not.toBeNull();
      expect(row.archive_file).toMatch(new RegExp(`^\\d{4}/\\d{2}/${s.id}\\.raw\\.gz\\.sealed$`));
      const path = join(archiveDir, row.archive_file);
      const file = await readFile(path);
      expect((await stat(path)).mode & 0o077).toBe(0);
      const [sum, name] = (await readFile(`${path}.sha256`, 'utf8')).trim().split(/\s+/);
      expect(sum).toBe(createHash('sha256').update(file).digest('hex'));
      expect(name).toBe(`${s.id}.raw.gz.sealed`);
      for (const secret of [s.person.SO_CCCD!, s.person.HO_TEN!, '<GIAMDINHHS']) expect(file.includes(Buffer.from(secret, 'utf8'))).toBe(false);
      expect(await archiveKeyId(path)).toBe(12);
      // The archive restores to exactly the bytes received (the CLI, from the archive).
      const restored = join(archiveDir, `${s.id}.restored`);
      await dataCli(KEY_B, 'restore', s.id, '--out', restored);
      expect((await readFile(restored)).equals(s.body)).toBe(true);
      expect(createHash('sha256').update(s.body).digest('hex')).toBe(row.sha256);
      expect((await pool.query('SELECT count(*)::int AS n FROM submission_chunks WHERE submission_id = $1', [s.id])).rows[0].n).toBe(0);
      expect(JSON.stringify(await payloadOf(ring(KEY_B), s.id))).toContain(s.person.SO_CCCD);
    }
    expect(byId.get(subs[1]!.id)!.archived_at).toBeNull(); // not old enough
    expect((await pool.query('SELECT count(*)::int AS n FROM records')).rows[0].n).toBe(recordsBefore);

    // The API still shows the archived submission and its records.
    const gw = await gateway(KEY_B);
    try {
      const view = await request(gw.url).get(`/api/submissions/${a.id}`).set('Authorization', `Bearer ${await gw.key('admin')}`);
      expect(view.status).toBe(200);
      expect(view.body).toMatchObject({ submissionId: a.id, records: [{ key: a.person.MA_LK, status: 'linked' }] });
    } finally {
      await gw.stop();
    }

    // A second run has nothing to do; rotating to C re-seals the archives too.
    expect((await dataCli(KEY_B, 'archive')).stdout).toMatch(/archived the raw bytes of 0 submission/);
    expect((await dataCli(`${KEY_C},${KEY_B}`, 'rekey')).stdout).toMatch(/4 payloads, 2 raw chunks, 2 archives re-sealed/);
    const aFile = join(archiveDir, byId.get(a.id)!.archive_file);
    expect(await archiveKeyId(aFile)).toBe(13);
    const parts: Buffer[] = [];
    for await (const c of readRawArchive(aFile, a.id, ring(KEY_C))) parts.push(c);
    expect(Buffer.concat(parts).equals(a.body)).toBe(true);
    const [sum] = (await readFile(`${aFile}.sha256`, 'utf8')).split(/\s+/);
    expect(sum).toBe(createHash('sha256').update(await readFile(aFile)).digest('hex'));
  });
});
