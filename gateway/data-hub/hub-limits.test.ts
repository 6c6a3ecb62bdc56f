import { describe, expect, it } from 'vitest';
import { base64Allowance, declaredBodyBytes, HUB_MEMORY_FACTOR, hubBodyLimit, hubReservation, tooLargeReason } from './hub-limits.js';

const MB = 1024 * 1024;
const b64 = (s: Buffer) => s.toString('base64');

describe('base64Allowance', () => {
  it('allows the base64 of a MAX_BODY_MB envelope and the other fields, and not much more', () => {
    const max = 3 * MB + 1;
    const body = JSON.stringify({ loaiHoSo: '130', maTinh: '46', maCSKCB: '46001', files: [b64(Buffer.alloc(max))] });
    expect(body.length).toBeLessThanOrEqual(base64Allowance(max));
    expect(base64Allowance(max)).toBeLessThan(body.length + MB + 16);
  });
});

describe('hubBodyLimit', () => {
  it('is DATA_HUB_MAX_BODY_MB with the defaults (64 MB; MAX_BODY_MB 200, MAX_UPLOAD_MEMORY_MB 512)', () => {
    expect(hubBodyLimit({ hubMaxBodyBytes: 64 * MB, maxBodyBytes: 200 * MB, uploadMemoryBytes: 512 * MB })).toEqual({ bytes: 64 * MB, setting: 'DATA_HUB_MAX_BODY_MB' });
  });

  it('is never more than the base64 of one MAX_BODY_MB envelope', () => {
    expect(hubBodyLimit({ hubMaxBodyBytes: 64 * MB, maxBodyBytes: 1 * MB, uploadMemoryBytes: 512 * MB })).toEqual({ bytes: base64Allowance(MB), setting: 'MAX_BODY_MB, as base64' });
  });

  it('is never more than a request may reserve of the whole memory budget, so one request alone is always admitted', () => {
    const limit = hubBodyLimit({ hubMaxBodyBytes: 200 * MB, maxBodyBytes: 200 * MB, uploadMemoryBytes: 512 * MB });
    expect(limit).toEqual({ bytes: 128 * MB, setting: `MAX_UPLOAD_MEMORY_MB / ${HUB_MEMORY_FACTOR}` });
    expect(hubReservation({}, limit.bytes)).toBeLessThanOrEqual(512 * MB);
  });
});

describe('hubReservation: memory one request reserves', () => {
  it.each([
    ['a declared uncompressed body: the factor times its length', { contentLength: String(10 * MB) }, HUB_MEMORY_FACTOR * 10 * MB],
    ['a tiny body: at least 1 MiB', { contentLength: '100' }, MB],
    ['chunked (no Content-Length): as if at the limit', {}, HUB_MEMORY_FACTOR * 64 * MB],
    ['gzip (inflated size unknown): as if at the limit', { contentLength: '1000', contentEncoding: 'gzip' }, HUB_MEMORY_FACTOR * 64 * MB],
    ['a declared length over the limit: no more than at the limit (it is refused with 413 anyway)', { contentLength: String(500 * MB) }, HUB_MEMORY_FACTOR * 64 * MB],
    ['a malformed length: as if at the limit', { contentLength: 'x' }, HUB_MEMORY_FACTOR * 64 * MB],
  ])('%s', (_what, headers, bytes) => {
    expect(hubReservation(headers, 64 * MB)).toBe(bytes);
  });

  it('is not capped at UPLOAD_MEMORY_PER_REQUEST_MB: 60 MB of JSON reserves 240 MB', () => {
    expect(hubReservation({ contentLength: String(60 * MB) }, 64 * MB)).toBe(240 * MB);
  });
});

describe('declaredBodyBytes and tooLargeReason', () => {
  it('knows the size only of an uncompressed body with Content-Length', () => {
    expect(declaredBodyBytes({ contentLength: '12', contentEncoding: 'IDENTITY' })).toBe(12);
    expect(declaredBodyBytes({ contentLength: '12', contentEncoding: 'gzip' })).toBeUndefined();
    expect(declaredBodyBytes({ contentLength: '-1' })).toBeUndefined();
  });

  it('names the limit and the setting behind it', () => {
    const reason = tooLargeReason({ bytes: 1000, setting: 'DATA_HUB_MAX_BODY_MB' }, 2000);
    expect(reason).toMatch(/2000 bytes.*1000 bytes.*DATA_HUB_MAX_BODY_MB/);
    expect(tooLargeReason({ bytes: 1000, setting: 'DATA_HUB_MAX_BODY_MB' })).toMatch(/^the body is larger than the 1000 bytes/);
  });
});
