/**
 * Hostile test (issue: heap exhaustion): twenty concurrent gzip uploads of ~200 KB, each inflating
 * to one 199 MB text element inside a valid-looking GIAMDINHHS envelope, against the gateway as a
 * real OS process with default limits (MAX_FIELD_MB 32, MAX_UPLOAD_MEMORY_MB 512). Every answer must
 * be 413 naming the field or 503 with Retry-After, the gateway must stay up and serve a normal
 * upload afterwards, and its peak RSS (VmHWM) must stay under 1 GB.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createGzip } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../gateway/auth/api-keys.js';
import { syntheticEnvelope } from '../../scripts/lib/qd130-synthetic.js';
import { servicesEnv, uniqueFacility } from '../helpers/gateway.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process.js';

const UPLOADS = 20;
const FIELD_BYTES = 199 * 1024 * 1024;
const GB_KB = 1024 * 1024;

/** gzip of an envelope whose one NOIDUNGFILE holds `fieldBytes` of base64-looking text, built by streaming (never one big string). */
async function inflatingEnvelope(facility: string, fieldBytes: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on('data', (d: Buffer) => out.push(d));
  const done = new Promise((r) => gzip.once('end', r));
  const write = (b: Buffer | string) => (gzip.write(b) ? Promise.resolve() : new Promise((r) => gzip.once('drain', r)));
  await write(`<?xml version="1.0" encoding="utf-8"?><GIAMDINHHS><THONGTINDONVI><MACSKCB>${facility}</MACSKCB></THONGTINDONVI>`
    + '<THONGTINHOSO><NGAYLAP>20250301</NGAYLAP><SOLUONGHOSO>1</SOLUONGHOSO><DANHSACHHOSO><HOSO><FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>');
  const block = Buffer.alloc(1024 * 1024, 'A');
  for (let left = fieldBytes; left > 0; left -= block.length) await write(left >= block.length ? block : block.subarray(0, left));
  gzip.end('</NOIDUNGFILE></FILEHOSO></HOSO></DANHSACHHOSO></THONGTINHOSO></GIAMDINHHS>');
  await done;
  return Buffer.concat(out);
}

interface Answer { status: number; retryAfter?: string; body: string }

/** POST with node:http (the 413/503 may come before the body is sent; a reset after the answer is fine). */
function post(url: string, key: string, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/ingest/qd130`, {
      method: 'POST', agent: false,
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/xml', 'Content-Encoding': 'gzip', 'Content-Length': body.length },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => { text += String(d); });
      res.on('end', () => resolve({ status: res.statusCode!, body: text, ...(res.headers['retry-after'] ? { retryAfter: String(res.headers['retry-after']) } : {}) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const vmHwmKb = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

describe('hostile: concurrent gzip uploads inflating to one huge field', () => {
  let gateway: GatewayProcess;
  let pool: pg.Pool;
  let key: string;
  let facility: string;

  beforeAll(async () => {
    gateway = await spawnGateway({ ...servicesEnv(), ROLE: 'gateway', QUEUE_PREFIX: `h${randomBytes(3).toString('hex')}`, RATE_LIMIT_PER_MINUTE: '100000' });
    pool = new pg.Pool({ connectionString: servicesEnv().DATABASE_URL, max: 2 });
    facility = uniqueFacility();
    key = (await createApiKey(pool, { role: 'facility', facility, label: 'hostile inflate' })).key;
  }, 60_000);
  afterAll(async () => {
    await gateway?.kill('SIGTERM');
    await pool?.end();
  });

  it('answers every upload with 413 naming the field or 503 + Retry-After, stays up, and peaks under 1 GB', async () => {
    const body = await inflatingEnvelope(facility, FIELD_BYTES);
    expect(body.length).toBeGreaterThan(150_000);
    expect(body.length).toBeLessThan(260_000);
    const pid = gateway.child.pid!;
    const before = vmHwmKb(pid);

    const answers = await Promise.all(Array.from({ length: UPLOADS }, () => post(gateway.url, key, body)));
    const peakKb = vmHwmKb(pid);
    const counts = { 413: 0, 503: 0 };
    for (const a of answers) {
      expect([413, 503], a.body).toContain(a.status);
      const outcome = JSON.parse(a.body);
      expect(outcome.resourceType).toBe('OperationOutcome');
      if (a.status === 413) {
        expect(outcome.issue[0].code).toBe('too-costly');
        expect(outcome.issue[0].expression[0]).toContain('HOSO/FILEHOSO/NOIDUNGFILE');
      } else {
        expect(outcome.issue[0].code).toBe('transient');
        expect(Number(a.retryAfter)).toBeGreaterThan(0);
      }
      counts[a.status as 413 | 503] += 1;
    }
    expect(counts[413]).toBeGreaterThan(0);
    console.log(`[hostile] ${UPLOADS} inflating uploads of ${body.length} B: ${counts[413]}×413, ${counts[503]}×503; `
      + `gateway VmHWM ${Math.round(before / 1024)} MB before, ${Math.round(peakKb / 1024)} MB peak`);

    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
    const ok = await fetch(`${gateway.url}/ingest/qd130`, {
      method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/xml' },
      body: syntheticEnvelope(facility, `HI${Date.now()}-`, 2, 11),
    });
    expect(ok.status).toBe(202);
    expect(peakKb).toBeLessThan(GB_KB);
  }, 180_000);
});
