/**
 * The registry table against real PostgreSQL: roster CSVs in both header styles, `,` and `;`, with
 * a BOM, bad rows reported by row and column only; verifyMany's verdicts (verified, mismatch by
 * field, not found, partial dates, re-issued numbers) and the CLI as an operator runs it.
 */
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { migrate } from '../../db/migrate.js';
import { servicesEnv } from '../../test/helpers/gateway.js';
import { createPopulationRegistry } from './index.js';
import { registryOff, type VerifyQuery } from './port.js';
import { lookupRegistry, registryTable } from './registry-table.js';
import { importRoster, RosterFormatError } from './roster-import.js';

let pool: pg.Pool;
beforeAll(async () => {
  pool = new pg.Pool({ connectionString: servicesEnv().DATABASE_URL, max: 4 });
  await migrate(pool);
});
afterAll(async () => {
  await pool?.end();
});

/** `n` fresh 12-digit numbers under a random block, so reruns on a kept database do not collide. */
function freshIds(n: number): string[] {
  const block = String(randomInt(100_000)).padStart(5, '0');
  return Array.from({ length: n }, (_, i) => `046${block}${String(i).padStart(4, '0')}`);
}

/** A CSV as bytes, arriving in small pieces as a slow file or socket would. */
function csv(text: string, pieceBytes = 7): Readable {
  const bytes = Buffer.from(text, 'utf8');
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += pieceBytes) pieces.push(bytes.subarray(i, i + pieceBytes));
  return Readable.from(pieces);
}

const registry = () => registryTable(pool);

describe('importRoster', () => {
  test('loads a roster-style comma file, converting dates and genders, and reports the bad rows by row and column only', async () => {
    const [a, b, c, d, e, bad] = freshIds(6);
    const text = [
      'SO_CCCD,HO_TEN,NGAY_SINH,GIOI_TINH,MA_TINH,MA_XA,SO_CCCD_CU',
      `${a},Nguyễn Văn An,19900512,1,46,19753,`,
      `${b},"Trần Thị Bình",05/1985,Nữ,46,,`,
      `${c},Lê Văn Cường,1970,nam,,,`,
      '',
      `${d},Phạm Thị Dung,3/7/2001,F,51,22015,`,
      `${bad},Hoàng Văn Bí Mật,31/02/1990,1,46,,`,
      `12345,Đỗ Văn Em,1990-01-01,1,46,,`,
      `${e},,1990-01-01,2,46,,`,
    ].join('\r\n');
    const result = await importRoster(pool, csv(text), { source: 'test-roster' });
    expect(result).toMatchObject({ rows: 7, inserted: 4, updated: 0, skipped: 3, problemCount: 3 });
    expect(result.problems).toEqual([
      { row: 5, column: 'NGAY_SINH', message: expect.stringMatching(/^not a date/) },
      { row: 6, column: 'SO_CCCD', message: 'not a 12-digit number' },
      { row: 7, column: 'HO_TEN', message: 'empty' },
    ]);
    const problems = JSON.stringify(result.problems);
    for (const secret of [bad, '12345', 'Bí Mật', 'Em', e]) expect(problems).not.toContain(secret);
    const found = await lookupRegistry(pool, [a!, b!, c!, d!, bad!]);
    expect(found.get(a!)).toEqual({ cccd: a, name: 'Nguyễn Văn An', birthDate: '1990-05-12', gender: 'male', province: '46', commune: '19753' });
    expect(found.get(b!)).toMatchObject({ birthDate: '1985-05', gender: 'female' });
    expect(found.get(c!)).toMatchObject({ birthDate: '1970', gender: 'male' });
    expect(found.get(c!)?.province).toBeUndefined();
    expect(found.get(d!)).toMatchObject({ birthDate: '2001-07-03', gender: 'female', province: '51' });
    expect(found.has(bad!)).toBe(false);
    const { rows } = await pool.query('SELECT name_key, source FROM population_registry WHERE cccd = $1', [a]);
    expect(rows[0]).toEqual({ name_key: 'NGUYEN VAN AN', source: 'test-roster' });
  });

  test('reads an English-header semicolon file with a BOM, previous numbers and a re-import that updates', async () => {
    const [current, old1, old2, other, third] = freshIds(5);
    const text = '\uFEFFcccd ; Full_Name ; birth_date ; gender ; province ; commune ; previous_ids\n'
      + `${current};Đặng Thị Đào;1992-11;female;01;00004;${old1}|${old2}\n`
      + `${other};Bùi Văn Hải;1987-02-29;M;01;;\n`
      + `${third};Bùi Thị Lan;1990;X;01;;12345 ${old1}9\n`;
    const first = await importRoster(pool, csv(text, 3), { source: 'english' });
    expect(first).toMatchObject({ rows: 3, inserted: 2, skipped: 1 });
    expect(first.problems).toEqual([
      { row: 2, column: 'birth_date', message: expect.stringMatching(/^not a date/) },
      { row: 3, column: 'gender', message: expect.stringMatching(/^not a known gender/) },
      { row: 3, column: 'previous_ids', message: 'an old number that is not 12 digits is ignored' },
    ]);
    expect((await lookupRegistry(pool, [third!])).get(third!)).toMatchObject({ gender: 'unknown' });
    expect((await lookupRegistry(pool, [third!])).get(third!)?.previousIds).toBeUndefined();
    expect((await lookupRegistry(pool, [old2!])).get(old2!)).toMatchObject({ cccd: current, previousIds: [old1, old2] });

    const again = await importRoster(pool, csv(`cccd;full_name;birth_date;gender\n${current};Đặng Thị Đào;1992-11-20;2\n`), { source: 'english-2' });
    expect(again).toMatchObject({ rows: 1, inserted: 0, updated: 1, skipped: 0 });
    // The second file has no address or previous numbers: what was stored stays.
    expect((await lookupRegistry(pool, [current!])).get(current!)).toEqual({
      cccd: current, name: 'Đặng Thị Đào', birthDate: '1992-11-20', gender: 'female', province: '01', commune: '00004', previousIds: [old1, old2],
    });
  });

  test('keeps the later of two rows with the same number and says so without the number', async () => {
    const [id] = freshIds(1);
    const result = await importRoster(pool, csv(`SO_CCCD;HO_TEN;NGAY_SINH\n${id};Ngô Văn Một;1990\n${id};Ngô Văn Hai;1991\n`), { source: 'dup' });
    expect(result).toMatchObject({ rows: 2, inserted: 1, skipped: 0, problems: [{ row: 2, column: 'SO_CCCD', message: 'the same number as row 1; the later row is loaded' }] });
    expect((await lookupRegistry(pool, [id!])).get(id!)).toMatchObject({ name: 'Ngô Văn Hai', birthDate: '1991' });
  });

  test('loads more rows than a batch, keeps the first 100 problems and counts the rest, and reports progress up to the last byte', async () => {
    const ids = freshIds(6_000);
    const lines = ids.map((id, i) => `${id},Người Thử ${i},${1950 + (i % 50)}-01-01,${(i % 2) + 1},46`);
    for (let i = 0; i < 150; i += 1) lines.push(`,Không Số ${i},1990`);
    const text = `SO_CCCD,HO_TEN,NGAY_SINH,GIOI_TINH,MA_TINH\n${lines.join('\n')}\n`;
    const progress: Array<[number, number]> = [];
    const result = await importRoster(pool, csv(text, 64 * 1024), { source: 'big', onProgress: (rows, bytes) => progress.push([rows, bytes]) });
    expect(result).toMatchObject({ rows: 6_150, inserted: 6_000, updated: 0, skipped: 150, problemCount: 150 });
    expect(result.problems).toHaveLength(100);
    expect(result.problems[0]).toEqual({ row: 6_001, column: 'SO_CCCD', message: 'empty' });
    expect(progress.at(-1)).toEqual([6_150, Buffer.byteLength(text)]);
    expect(progress.length).toBeGreaterThan(2);
  });

  test.each([
    ['no SO_CCCD column', 'HO_TEN,NGAY_SINH\nA,1990\n', /no SO_CCCD or cccd column/],
    ['neither name nor birth date columns', 'SO_CCCD;GIOI_TINH\n046090000001;1\n', /no HO_TEN or full_name or name, no NGAY_SINH or birth_date column/],
    ['nothing at all', '', /empty/],
    ['an unclosed quote', 'SO_CCCD,HO_TEN,NGAY_SINH\n046090000001,"Nguyễn,1990\n', /cannot be read as CSV \(CSV_QUOTE_NOT_CLOSED\)/],
  ])('refuses a file with %s', async (_case, text, message) => {
    const failure = importRoster(pool, csv(text), { source: 'bad' });
    await expect(failure).rejects.toBeInstanceOf(RosterFormatError);
    await expect(failure).rejects.toThrow(message);
  });
});

describe('registryTable.verifyMany', () => {
  const [verified, partial, reissued, oldNumber, unknown] = freshIds(5);
  beforeAll(async () => {
    const text = [
      'SO_CCCD,HO_TEN,NGAY_SINH,GIOI_TINH,MA_TINH,MA_XA,SO_CCCD_CU',
      `${verified},Nguyễn Thị Đào,1990-05-12,2,46,19753,`,
      `${partial},Trần Văn Bảy,1950,1,46,,`,
      `${reissued},Lê Thị Hồng,1985-03-04,2,51,,${oldNumber}`,
    ].join('\n');
    expect(await importRoster(pool, csv(text), { source: 'verify' })).toMatchObject({ inserted: 3, skipped: 0 });
  });

  const ask = (cccd: string | undefined, q: Partial<VerifyQuery> = {}): VerifyQuery =>
    ({ cccd: cccd!, name: 'Nguyen Thi Dao', birthDate: '1990-05-12', gender: 'female', address: { province: '46', commune: '20000' }, ...q });

  test('gives verified, mismatch by field, not_found, a compatible partial date and the re-issued number, in query order', async () => {
    const answers = await registry().verifyMany([
      ask(verified),
      ask(verified, { name: 'Nguyễn Thị Hoa', birthDate: '1990-05-13', gender: 'male' }),
      ask(unknown),
      ask(partial, { name: 'TRAN VAN BAY', birthDate: '1950-07-01', gender: 'male', address: undefined }),
      ask(oldNumber, { name: 'Lê Thị Hồng', birthDate: '1985', address: { province: '51' } }),
      ask(verified, { address: { province: '01' } }),
    ]);
    expect(answers[0]).toMatchObject({ outcome: 'verified', person: { cccd: verified, name: 'Nguyễn Thị Đào' } });
    expect(answers[1]).toMatchObject({ outcome: 'mismatch', fields: ['name', 'birthDate', 'gender'] });
    expect(answers[2]).toEqual({ outcome: 'not_found' });
    expect(answers[3]).toMatchObject({ outcome: 'verified', person: { cccd: partial, birthDate: '1950' } });
    expect(answers[4]).toMatchObject({ outcome: 'verified', person: { cccd: reissued, previousIds: [oldNumber] } });
    expect(answers[5]).toMatchObject({ outcome: 'mismatch', fields: ['address'] });
  });

  test('a cancelled number still keyed by an older row finds the re-issued row', async () => {
    const [old, renewed] = freshIds(2);
    await importRoster(pool, csv(`SO_CCCD,HO_TEN,NGAY_SINH,GIOI_TINH\n${old},Vũ Minh Khang,1995,1\n`), { source: 'before re-issue' });
    await importRoster(pool, csv(`SO_CCCD,HO_TEN,NGAY_SINH,GIOI_TINH,SO_CCCD_CU\n${renewed},Vũ Minh Khang,1995,2,${old}\n`), { source: 'after re-issue' });
    const [answer] = await registry().verifyMany([{ cccd: old!, name: 'Vu Minh Khang', birthDate: '1995-06-01', gender: 'male' }]);
    expect(answer).toMatchObject({ outcome: 'mismatch', fields: ['gender'], person: { cccd: renewed, previousIds: [old] } });
    expect((await lookupRegistry(pool, [old!, renewed!])).get(old!)?.cccd).toBe(renewed);
  });

  test('answers a batch of 1,000 queries right, one answer each', async () => {
    const ids = freshIds(1_000);
    const lines = ids.filter((_, i) => i % 4 !== 3).map((id, i) => `${id};Người Số ${i};1960-01-01;${i % 2 === 0 ? 'male' : 'female'}`);
    await importRoster(pool, csv(`cccd;name;birth_date;gender\n${lines.join('\n')}\n`, 16 * 1024), { source: 'thousand' });
    const answers = await registry().verifyMany(ids.map((cccd) => ({ cccd, birthDate: '1960' })));
    expect(answers).toHaveLength(1_000);
    answers.forEach((a, i) => expect(a.outcome).toBe(i % 4 === 3 ? 'not_found' : 'verified'));
    expect(answers.filter((a) => a.outcome === 'verified')).toHaveLength(750);
  });

  test('an empty batch asks nothing', async () => {
    expect(await registry().verifyMany([])).toEqual([]);
  });

  test('a database that cannot be reached makes every query unavailable, never mismatch', async () => {
    const url = new URL(servicesEnv().DATABASE_URL);
    url.pathname = '/no_such_database_for_registry_test';
    const broken = new pg.Pool({ connectionString: url.toString(), max: 1 });
    try {
      const answers = await registryTable(broken).verifyMany([ask(verified), ask(unknown)]);
      expect(answers).toEqual([
        { outcome: 'unavailable', reason: 'the population registry table could not be read (3D000)' },
        { outcome: 'unavailable', reason: 'the population registry table could not be read (3D000)' },
      ]);
    } finally {
      await broken.end();
    }
  });
});

describe('createPopulationRegistry', () => {
  test('chooses off, the registry table or the remote service by mode', async () => {
    const common = { db: pool, breakerFailures: 5, breakerCooldownMs: 30_000 };
    expect(createPopulationRegistry({ ...common, mode: 'off' })).toBe(registryOff);
    const table = createPopulationRegistry({ ...common, mode: 'registry' });
    expect(table.mode).toBe('registry');
    expect(await table.verifyMany([{ cccd: freshIds(1)[0]! }])).toEqual([{ outcome: 'not_found' }]);
    const remote = createPopulationRegistry({ ...common, mode: 'remote', remote: { url: 'http://127.0.0.1:9/verify', timeoutMs: 500, cacheTtlMs: 0 } });
    expect(remote.mode).toBe('remote');
    expect(() => createPopulationRegistry({ ...common, mode: 'remote' })).toThrow(/REGISTRY_URL/);
  });
});

describe('npm run registry', () => {
  const run = promisify(execFile);
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'registry-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/registry.ts', ...args], { env: process.env, timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout: string; stderr: string };
      if (typeof e.code !== 'number') throw err;
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  test('imports a file, prints the summary and the problems, and counts', async () => {
    const [a, b] = freshIds(2);
    const file = join(dir, 'roster.csv');
    await writeFile(file, `SO_CCCD;HO_TEN;NGAY_SINH\n${a};Mai Văn Một;1990\n${b};Mai Văn Hai;not-a-date\n`);
    const done = await cli(['import', file, '--source', 'cli-test']);
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('2 rows read, 1 inserted, 0 updated, 1 skipped');
    expect(done.stdout).toContain('row 2, column NGAY_SINH: not a date');
    expect(done.stdout).not.toContain(b);
    const counted = await cli(['count']);
    expect(counted.code).toBe(0);
    expect(counted.stdout).toMatch(/people in population_registry/);
    expect(counted.stdout).toMatch(/cli-test\t\d/);
  });

  test('exits 1 naming the missing column, or when the file cannot be read; 2 without a command', async () => {
    const file = join(dir, 'wrong.csv');
    await writeFile(file, 'HO_TEN,NGAY_SINH\nA,1990\n');
    const wrong = await cli(['import', file]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('no SO_CCCD or cccd column');
    const missing = await cli(['import', join(dir, 'absent.csv')]);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('ENOENT') });
    expect((await cli([])).code).toBe(2);
  });
});
