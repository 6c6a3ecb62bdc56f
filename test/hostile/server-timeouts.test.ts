/** Slow and stalled request bodies are cut (408) by total time, inactivity and minimum rate; backpressure is not blamed on the client. */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { applyServerTimeouts, type ServerTimeouts } from '../../gateway/http/server-timeouts.js';

const BASE: ServerTimeouts = {
  headersTimeoutMs: 2000, requestTimeoutMs: 60_000, idleTimeoutMs: 60_000, keepAliveTimeoutMs: 1000, minUploadBytesPerSecond: 0, minUploadRateWindowMs: 1000,
};

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A server that reads each body (after `delayMs`) and answers 200 with its length. */
async function start(t: Partial<ServerTimeouts>, delayMs = 0): Promise<number> {
  server = createServer(async (req, res) => {
    await new Promise((r) => setTimeout(r, delayMs));
    let n = 0;
    try {
      for await (const c of req) n += (c as Buffer).length;
    } catch {
      return; // cut
    }
    if (!res.headersSent) res.end(String(n));
  });
  applyServerTimeouts(server, { ...BASE, ...t });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** Send `total` bytes, `step` bytes every `everyMs`; resolves with the status (or 'closed') and the time it took. */
function trickle(port: number, total: number, step: number, everyMs: number): Promise<{ status: number | 'closed'; ms: number; body: string }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const req = httpRequest({ port, method: 'POST', headers: { 'Content-Length': String(total) } });
    let sent = 0;
    const timer = setInterval(() => {
      if (sent >= total) return;
      const n = Math.min(step, total - sent);
      if (n > 0) req.write(Buffer.alloc(n, 65));
      sent += n;
      if (sent >= total) req.end();
    }, everyMs);
    const done = (status: number | 'closed', body = '') => { clearInterval(timer); resolve({ status, ms: Date.now() - t0, body }); };
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => { body += String(d); });
      res.on('end', () => done(res.statusCode!, body));
      res.on('error', () => done(res.statusCode!, body));
    });
    req.on('error', () => done('closed'));
    req.flushHeaders();
  });
}

describe('applyServerTimeouts', () => {
  it('cuts an upload slower than MIN_UPLOAD_BYTES_PER_S with a 408 OperationOutcome', async () => {
    const port = await start({ minUploadBytesPerSecond: 100, minUploadRateWindowMs: 1000 });
    const r = await trickle(port, 100_000, 1, 100); // 10 bytes/s
    expect(r.status).toBe(408);
    expect(JSON.parse(r.body).issue[0]).toMatchObject({ code: 'timeout', diagnostics: expect.stringMatching(/MIN_UPLOAD_BYTES_PER_S/) });
    expect(r.ms).toBeLessThan(3000);
  });

  it('cuts a body that stops arriving (IDLE_TIMEOUT_MS)', async () => {
    const port = await start({ idleTimeoutMs: 500 });
    const r = await trickle(port, 100_000, 10, 60_000);
    expect(r.status).toBe(408);
    expect(r.body).toMatch(/IDLE_TIMEOUT_MS/);
    expect(r.ms).toBeLessThan(2000);
  });

  it('cuts a body still arriving after REQUEST_TIMEOUT_MS, however steady', async () => {
    const port = await start({ requestTimeoutMs: 1200, idleTimeoutMs: 500 });
    const r = await trickle(port, 1_000_000, 50, 100);
    expect([408, 'closed']).toContain(r.status);
    expect(r.ms).toBeGreaterThanOrEqual(1100);
    expect(r.ms).toBeLessThan(3000);
  });

  it('lets a normal upload through and does not blame the client while the server is not reading', async () => {
    const port = await start({ idleTimeoutMs: 300, minUploadBytesPerSecond: 1000, minUploadRateWindowMs: 400 }, 1500);
    const r = await trickle(port, 50_000, 25_000, 10);
    expect(r.status).toBe(200);
    expect(r.body).toBe('50000');
  });
});
