import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/outcome.js';
import { removeStaleSpools, spoolUpload } from './spool.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spool-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const chunks = (...parts: Buffer[]) => Readable.from(parts);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('spoolUpload', () => {
  it('keeps the raw bytes exactly (gzip stays gzip), with their count and SHA-256, in a private file', async () => {
    const raw = gzipSync(Buffer.from('<GIAMDINHHS/>'.repeat(1000)));
    const spool = await spoolUpload(chunks(raw.subarray(0, 10), raw.subarray(10)), { dir, maxBytes: 1 << 20 });
    expect(spool.bytes).toBe(raw.length);
    expect(spool.sha256).toBe(sha(raw));
    expect(await buffer(spool.open())).toEqual(raw);
    expect(await buffer(spool.open())).toEqual(raw); // every open starts from the beginning
    expect((await stat(spool.path)).mode & 0o777).toBe(0o600);
    await spool.remove();
    await spool.remove();
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses more than maxBytes with 413 too-costly and leaves no file', async () => {
    const err = await spoolUpload(chunks(Buffer.alloc(600), Buffer.alloc(600)), { dir, maxBytes: 1000 }).catch((e) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.status).toBe(413);
    expect(err.code).toBe('too-costly');
    expect(err.message).toMatch(/MAX_BODY_MB/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('removes the partial file when the source fails or the spooling is aborted', async () => {
    async function* failing() {
      yield Buffer.alloc(100);
      throw new Error('network gone');
    }
    await expect(spoolUpload(failing(), { dir, maxBytes: 1000 })).rejects.toThrow('network gone');
    const ac = new AbortController();
    const never = new Readable({ read() {} });
    never.push(Buffer.alloc(10));
    const pending = spoolUpload(never, { dir, maxBytes: 1000, signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await expect(pending).rejects.toThrow(/abort/i);
    expect(await readdir(dir)).toEqual([]);
  });

  it('removes the partial file when an HTTP client disconnects mid-upload', async () => {
    let result: Promise<unknown> | undefined;
    const server = createServer((req) => {
      result = spoolUpload(req, { dir, maxBytes: 1 << 20 }).then(() => 'spooled', (e: Error) => e);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const client = request({ port: (server.address() as AddressInfo).port, method: 'POST', headers: { 'Content-Length': '100000' } });
      client.on('error', () => undefined);
      client.write(Buffer.alloc(1000));
      await new Promise((r) => setTimeout(r, 200));
      client.destroy();
      await new Promise((r) => setTimeout(r, 200));
      expect(await result).toBeInstanceOf(Error);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      server.close();
    }
  });
});

describe('removeStaleSpools', () => {
  it('deletes only old spool files', async () => {
    await writeFile(join(dir, 'fgw-spool-old'), 'x');
    await writeFile(join(dir, 'fgw-spool-new'), 'x');
    await writeFile(join(dir, 'other-old'), 'x');
    const old = new Date(Date.now() - 3_600_000);
    await utimes(join(dir, 'fgw-spool-old'), old, old);
    await utimes(join(dir, 'other-old'), old, old);
    expect(await removeStaleSpools(dir, 600_000)).toBe(1);
    expect((await readdir(dir)).sort()).toEqual(['fgw-spool-new', 'other-old']);
  });
});
