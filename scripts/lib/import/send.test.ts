import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retryDelayMs, sendFile, SendError } from './send.js';
import type { SendPlan } from './plan.js';

describe('retry delays', () => {
  it('retries 429 and 503 after Retry-After (seconds or a date), else 1, 2, 4 … s, capped', () => {
    expect(retryDelayMs(429, '3', 1)).toBe(3000);
    expect(retryDelayMs(503, null, 3)).toBe(4000);
    expect(retryDelayMs(503, 'Wed, 21 Oct 2015 07:28:10 GMT', 1, 120_000, Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(retryDelayMs(429, '3600', 1)).toBe(120_000);
    expect(retryDelayMs(400, '3', 1)).toBeUndefined();
    expect(retryDelayMs(500, null, 1)).toBeUndefined();
  });
});

describe('sending a file (a local HTTP server)', () => {
  let dir: string, server: Server, url: string;
  const seen: Array<{ headers: IncomingMessage['headers']; body: string; url: string }> = [];
  let answers: Array<{ status: number; headers?: Record<string, string>; body: string }> = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'import-send-'));
    await writeFile(join(dir, 'f.csv'), 'a,b\n1,2\n');
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => { body += c; });
      req.on('end', () => {
        seen.push({ headers: req.headers, body, url: req.url ?? '' });
        const a = answers.shift() ?? { status: 500, body: '' };
        res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers }).end(a.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  const plan = (): SendPlan => ({
    action: 'send', file: { path: join(dir, 'f.csv'), display: 'f.csv', size: 8 }, format: 'csv',
    route: '/ingest/csv?kind=immunization', contentType: 'text/csv; charset=utf-8', gzip: true,
  });

  it('streams the file with key, type, length and encoding, and resends it after a 429 with Retry-After', async () => {
    seen.length = 0;
    answers = [{ status: 429, headers: { 'retry-after': '0' }, body: '{}' }, { status: 202, body: '{"records":[]}' }];
    const bytes: number[] = [];
    const retries: number[] = [];
    const answer = await sendFile(plan(), { url, key: 'fgw_k' }, { onBytes: (n) => bytes.push(n), onRetry: (n) => retries.push(n) });
    expect(answer).toEqual({ status: 202, contentType: 'application/json', body: '{"records":[]}', attempts: 2 });
    expect(retries).toEqual([1]);
    expect(bytes.reduce((a, b) => a + b, 0)).toBe(16);
    expect(seen).toHaveLength(2);
    expect(seen[1]).toMatchObject({
      url: '/ingest/csv?kind=immunization', body: 'a,b\n1,2\n',
      headers: { authorization: 'Bearer fgw_k', 'content-type': 'text/csv; charset=utf-8', 'content-length': '8', 'content-encoding': 'gzip' },
    });
  });

  it('gives up after the bounded retries and returns the last answer', async () => {
    answers = Array.from({ length: 4 }, () => ({ status: 503, headers: { 'retry-after': '0' }, body: '{}' }));
    const answer = await sendFile(plan(), { url, key: 'k' }, { retries: 3, sleep: async () => {} });
    expect(answer).toMatchObject({ status: 503, attempts: 4 });
  });

  it('throws SendError when nothing answers', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await expect(sendFile(plan(), { url: `http://127.0.0.1:${port}`, key: 'k' })).rejects.toThrow(SendError);
  });
});
