/**
 * `npm run import` as an operator runs it (a child process) against a real gateway on PostgreSQL +
 * Redis: a folder of claim XML (one record rejected, one envelope gzip), HL7 v2 and CSV files →
 * summary JSON per facility and exit 1; an all-good folder → exit 0; bad arguments → exit 2.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope, makeXml1, xml1Document } from '../../scripts/lib/qd130-synthetic.js';
import { startGatewayWithKeys, startTestGateway, uniqueFacility } from '../helpers/gateway.js';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
const run = promisify(execFile);
/** Random per run: the dev database may hold earlier runs' records. */
const SEED = Math.floor(Math.random() * 1e9);

/** The CLI in a child process; resolves with its exit code and output whatever the code. */
async function importCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/import.ts', ...args], { env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout: string; stderr: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const episodes = (facility: string, prefix: string, n: number, overrides: Record<number, Record<string, string>> = {}) =>
  envelope(facility, Array.from({ length: n }, (_, i) => [['XML1', xml1Document(makeXml1(facility, `${prefix}${i}`, SEED + i, overrides[i]))]]));

/** CSV doses of invented people of `facility` (the facility_code column, which an admin key must send). */
function immunizationCsv(facility: string, n: number): string {
  const rows = Array.from({ length: n }, (_, i) => {
    const p = makeXml1(facility, `CSV-${SEED}-${i}`, SEED + 100 + i);
    const birth = `${p.NGAY_SINH!.slice(0, 4)}-${p.NGAY_SINH!.slice(4, 6)}-${p.NGAY_SINH!.slice(6, 8)}`;
    return [facility, p.SO_CCCD, p.HO_TEN, birth, p.GIOI_TINH, '53', 'Viêm gan B', '2025-03-01', '1', `HB-${i}`].join(',');
  });
  return ['facility_code,patient_cccd,patient_name,patient_birth_date,patient_gender,vaccine_national_code,vaccine_name,occurrence,dose_number,lot_number', ...rows, ''].join('\r\n');
}

describe('npm run import (CLI against a real gateway)', () => {
  let gw: Gateway;
  let facility: string, facilityKey: string, adminKey: string;
  let dir: string;
  const other = uniqueFacility();
  beforeAll(async () => {
    ({ gw, facility, facilityKey, adminKey } = await startGatewayWithKeys());
    dir = await mkdtemp(join(tmpdir(), 'import-cli-'));
  });
  afterAll(async () => {
    await gw?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('sends a mixed folder as admin: counts per facility, the rejected record by category, skipped files; exit 1', async () => {
    const folder = join(dir, 'mixed');
    await mkdir(join(folder, 'claims', 'feb'), { recursive: true });
    await mkdir(join(folder, 'hl7'));
    await writeFile(join(folder, 'claims', 'feb', `qd130-${facility}.xml`), episodes(facility, `IMP-${SEED}-A`, 3, { 2: { SO_CCCD: '04609000123' } }));
    await writeFile(join(folder, 'claims', `qd130-${other}.xml.gz`), gzipSync(episodes(other, `IMP-${SEED}-B`, 2)));
    const vxu = (await readFile('samples/hl7v2-46001-vxu-two-doses.hl7', 'utf8')).replaceAll('46001', facility).replace('VXU-1001', `VXU-${SEED}`);
    await writeFile(join(folder, 'hl7', 'vxu.hl7'), vxu);
    await writeFile(join(folder, 'tiem-chung.csv'), immunizationCsv(other, 2));
    await writeFile(join(folder, 'notes.txt'), 'not a submission');
    await writeFile(join(folder, '.hidden.xml'), 'never read');

    const { code, stdout, stderr } = await importCli([folder, '--json', '--url', gw.url], { GATEWAY_API_KEY: adminKey });
    expect(stderr).toMatch(/\[4\/4\] /); // not a terminal: one line per file
    const summary = JSON.parse(stdout);
    expect(summary.facilities).toEqual([
      { facility, files: 2, records: 4, accepted: 3, rejected: 1, rejectedByCategory: { CCCD_FORMAT: 1 } },
      { facility: other, files: 2, records: 4, accepted: 4, rejected: 0, rejectedByCategory: {} },
    ].sort((a, b) => a.facility.localeCompare(b.facility)));
    expect(summary.rejectedRecords).toEqual([{ file: join(folder, 'claims', 'feb', `qd130-${facility}.xml`), facility, key: `IMP-${SEED}-A2`, category: 'CCCD_FORMAT' }]);
    expect(summary.files.map((f: { format: string; submissionId: string }) => [f.format, f.submissionId])).toEqual(
      ['qd130', 'qd130', 'hl7v2', 'csv'].map((format) => [format, expect.stringMatching(/^[0-9a-f-]{36}$/)]));
    expect(summary.skipped).toEqual([{ file: join(folder, 'notes.txt'), reason: 'unknown format (.txt)' }]);
    expect(summary.failed).toEqual([]);
    expect(summary.totals).toMatchObject({ files: 5, sent: 4, skipped: 1, records: 8, rejected: 1 });
    expect(code).toBe(1);
    // No personal data in the output: the invented people's names and CCCDs never appear.
    const person = makeXml1(facility, `IMP-${SEED}-A0`, SEED);
    expect(stdout + stderr).not.toContain(person.SO_CCCD);
    expect(stdout + stderr).not.toContain(person.HO_TEN);
  });

  it('an all-good folder with a facility key exits 0 and prints the table', async () => {
    const folder = join(dir, 'good');
    await mkdir(folder);
    await writeFile(join(folder, 'a.xml'), episodes(facility, `IMP-${SEED}-G`, 2));
    await writeFile(join(folder, 'kcb-or-tiem.csv'), immunizationCsv(facility, 1));
    // A FHIR batch (the sample without its undated dose): 5 entries, 2 records (an Encounter with its Condition, a dose),
    // counted from the stored submission, not from the response entries.
    const bundle = JSON.parse((await readFile('samples/fhir-46001-batch.json', 'utf8')).replaceAll('"46001"', `"${facility}"`));
    bundle.entry = bundle.entry.filter((e: { resource: { resourceType: string; occurrenceDateTime?: string } }) => e.resource.resourceType !== 'Immunization' || e.resource.occurrenceDateTime);
    await writeFile(join(folder, 'bundle.json'), JSON.stringify(bundle));
    const { code, stdout } = await importCli([folder, '--kind', 'immunization', '--concurrency', '1'], { GATEWAY_URL: gw.url, GATEWAY_API_KEY: facilityKey });
    expect(stdout.split('\n').slice(0, 2)).toEqual([
      'facility  files  records  accepted  rejected  rejected by category',
      `${facility}         3        5         5         0`,
    ]);
    expect(stdout).toContain('All 5 records accepted.');
    expect(code).toBe(0);
  });

  it('a file the gateway refuses (another facility\'s envelope) fails with its diagnostics; a CSV of unknown kind is not sent', async () => {
    const folder = join(dir, 'refused');
    await mkdir(folder);
    await writeFile(join(folder, 'other.xml'), episodes(other, `IMP-${SEED}-R`, 1));
    await writeFile(join(folder, 'export.csv'), immunizationCsv(facility, 1));
    const { code, stdout } = await importCli([folder, '--json', '--url', gw.url, '--key', facilityKey]);
    const summary = JSON.parse(stdout);
    expect(summary.failed).toEqual([
      { file: join(folder, 'export.csv'), format: 'csv', reason: expect.stringMatching(/CSV kind unknown/) },
      { file: join(folder, 'other.xml'), format: 'qd130', reason: expect.stringMatching(/^HTTP 403: /) },
    ]);
    expect(code).toBe(1);
  });

  it('a refused key stops the run after the first answer', async () => {
    const folder = join(dir, 'good');
    const { code, stdout } = await importCli([folder, '--json', '--url', gw.url, '--key', 'fgw_nosuchkey_0000000000000000000000000000000', '--concurrency', '1', '--kind', 'immunization']);
    expect(JSON.parse(stdout).failed.map((f: { reason: string }) => f.reason)).toEqual([expect.stringMatching(/^HTTP 401/), 'not sent: the gateway refused the key (HTTP 401)', 'not sent: the gateway refused the key (HTTP 401)']);
    expect(code).toBe(1);
  });

  it('bad arguments and a missing key exit 2; a dry run sends nothing and needs no key', async () => {
    expect((await importCli([join(dir, 'good'), '--concurrency', 'many'], { GATEWAY_API_KEY: 'k' })).code).toBe(2);
    expect((await importCli([join(dir, 'good')], { GATEWAY_API_KEY: '' })).code).toBe(2);
    expect((await importCli([join(dir, 'nothing-here')], { GATEWAY_API_KEY: 'k' })).code).toBe(2);
    const dry = await importCli([join(dir, 'mixed'), '--dry-run', '--kind', 'immunization'], { GATEWAY_API_KEY: '' });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^send .*qd130-\d+\.xml\.gz .*POST \/ingest\/qd130 \(application\/xml, gzip, facility \d+\)$/m);
    expect(dry.stdout).toMatch(/^skip .*notes\.txt .*unknown format \(\.txt\)$/m);
    expect(dry.stdout).toContain('would send 4 of 5 file(s)');
  });
});
