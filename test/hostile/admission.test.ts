/** Admission control for upload memory: reserve, refuse with 503 + Retry-After, release on finish and on abort. */
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UploadAdmission } from '../../gateway/http/admission.js';
import { errorHandler } from '../../gateway/http/error-handler.js';

const MB = 1024 * 1024;

describe('UploadAdmission.tryReserve', () => {
  it('reserves up to the total, refuses beyond it, and releases once', () => {
    const a = new UploadAdmission({ totalBytes: 100 * MB, perUploadBytes: 40 * MB });
    const r1 = a.tryReserve()!;
    const r2 = a.tryReserve()!;
    expect(a.tryReserve()).toBeUndefined();
    expect(a.inUse).toBe(80 * MB);
    r1();
    r1();
    expect(a.inUse).toBe(40 * MB);
    expect(a.tryReserve()).toBeDefined();
    r2();
  });

  it('never asks for more than the total, so one upload always fits when nothing else runs', () => {
    const a = new UploadAdmission({ totalBytes: 10 * MB, perUploadBytes: 64 * MB });
    expect(a.tryReserve()).toBeDefined();
  });
});

describe('UploadAdmission middleware (HTTP)', () => {
  const admission = new UploadAdmission({ totalBytes: 2 * 64 * MB, perUploadBytes: 64 * MB, retryAfterSeconds: 7 });
  let server: Server;
  let port: number;
  beforeAll(async () => {
    const app = express();
    app.post('/upload', admission.middleware(), async (req, res) => {
      let n = 0;
      for await (const c of req) n += (c as Buffer).length;
      res.json({ n });
    });
    app.use(errorHandler(pino({ level: 'silent' })));
    server = await new Promise<Server>((r) => { const s = app.listen(0, '127.0.0.1', () => r(s)); });
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }));

  /** Start a gzip upload (unknown inflated size) and keep it open; `finish()` sends the rest. */
  function openUpload(headers: Record<string, string> = { 'Content-Encoding': 'gzip', 'Transfer-Encoding': 'chunked' }) {
    const req = httpRequest({ port, method: 'POST', path: '/upload', headers });
    req.on('error', () => undefined);
    const answer = new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve) => {
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d) => { body += String(d); });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
    });
    req.write('x');
    return { req, answer, finish: () => req.end('y') };
  }
  const settle = () => new Promise((r) => setTimeout(r, 150));

  it('answers 503 with Retry-After and a transient OperationOutcome when the budget is spent, and releases on finish', async () => {
    const a = openUpload();
    const b = openUpload();
    await settle();
    expect(admission.inUse).toBe(128 * MB);
    const c = openUpload();
    const refused = await c.answer;
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('7');
    const outcome = JSON.parse(refused.body);
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0].code).toBe('transient');
    a.finish();
    b.finish();
    expect((await a.answer).status).toBe(200);
    expect((await b.answer).status).toBe(200);
    await settle();
    expect(admission.inUse).toBe(0);
  });

  it('releases the reservation when the client aborts mid-upload', async () => {
    const a = openUpload();
    await settle();
    expect(admission.inUse).toBe(64 * MB);
    a.req.destroy();
    await settle();
    expect(admission.inUse).toBe(0);
  });

  it('reserves only a small multiple of a declared uncompressed body', async () => {
    const a = openUpload({ 'Content-Length': '1000' });
    await settle();
    expect(admission.inUse).toBe(1 * MB);
    a.req.end('y'.repeat(999));
    expect((await a.answer).status).toBe(200);
    await settle();
    expect(admission.inUse).toBe(0);
  });
});
