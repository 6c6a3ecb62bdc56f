import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../errors/outcome.js';
import { decodeHubFile, MAX_FILES, parseHubRequest, takeHubFile } from './hub-request.js';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const refusal = (body: unknown) => {
  try {
    parseHubRequest(body);
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    const e = err as GatewayError;
    return { status: e.status, field: e.expression?.[0], message: e.message };
  }
  throw new Error('expected a refusal');
};

describe('parseHubRequest: the guiHoSoXml body', () => {
  it('reads the hub fields, defaulting loaiHoSo to 130 and ignoring extra fields', () => {
    expect(parseHubRequest({ maCSKCB: '46001', files: ['QUJD'], username: 'his' })).toEqual({ loaiHoSo: '130', maTinh: null, maCSKCB: '46001', files: ['QUJD'] });
    expect(parseHubRequest({ loaiHoSo: 4750, maTinh: '46', maCSKCB: '46001', files: ['QUJD', 'not base64 at all'] }))
      .toEqual({ loaiHoSo: '4750', maTinh: '46', maCSKCB: '46001', files: ['QUJD', 'not base64 at all'] });
  });

  it("takes BHXH's single fileHSBase64 as a one-file batch", () => {
    expect(parseHubRequest({ loaiHoSo: '3176', maCSKCB: '46001', fileHSBase64: 'QUJD' }).files).toEqual(['QUJD']);
    expect(refusal({ maCSKCB: '46001', fileHSBase64: 'QUJD', files: ['QUJD'] })).toMatchObject({ status: 400, field: 'files' });
  });

  it.each([
    [undefined, undefined],
    [[], undefined],
    ['text', undefined],
    [{ files: ['QUJD'] }, 'maCSKCB'],
    [{ maCSKCB: '4600', files: ['QUJD'] }, 'maCSKCB'],
    [{ maCSKCB: 46001, files: ['QUJD'] }, 'maCSKCB'],
    [{ maCSKCB: '46001' }, 'files'],
    [{ maCSKCB: '46001', files: [] }, 'files'],
    [{ maCSKCB: '46001', files: 'QUJD' }, 'files'],
    [{ maCSKCB: '46001', files: ['QUJD', { tenFile: 'a.xml', noiDung: 'QUJD' }] }, 'files[1]'],
    [{ maCSKCB: '46001', files: Array(MAX_FILES + 1).fill('QUJD') }, 'files'],
    [{ maCSKCB: '46001', files: ['QUJD'], loaiHoSo: '0' }, 'loaiHoSo'],
    [{ maCSKCB: '46001', files: ['QUJD'], loaiHoSo: ['130'] }, 'loaiHoSo'],
    [{ maCSKCB: '46001', files: ['QUJD'], maTinh: '046' }, 'maTinh'],
  ])('refuses %j with 400 naming %s', (body, field) => {
    expect(refusal(body)).toMatchObject({ status: 400, field });
  });
});

describe('decodeHubFile: strict base64, gzip recognised', () => {
  it('decodes base64, with MIME line breaks', () => {
    const text = b64('<GIAMDINHHS/>');
    expect(decodeHubFile(text)).toEqual({ bytes: Buffer.from('<GIAMDINHHS/>'), encoding: 'identity' });
    expect(decodeHubFile(`${text.slice(0, 8)}\r\n${text.slice(8)}`)).toMatchObject({ encoding: 'identity', bytes: Buffer.from('<GIAMDINHHS/>') });
  });

  it('recognises a gzip-compressed envelope by its first bytes', () => {
    const zipped = gzipSync('<GIAMDINHHS/>');
    expect(decodeHubFile(b64(zipped))).toEqual({ bytes: zipped, encoding: 'gzip' });
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['QUJ', /base64/],
    ['QU=D', /base64/],
    ['QUJD-_==', /base64/],
    ['data:application/xml;base64,QUJD', /base64/],
    ['<GIAMDINHHS>', /base64/],
  ])('refuses %j', (text, problem) => {
    expect(decodeHubFile(text)).toEqual({ problem: expect.stringMatching(problem) });
  });
});

describe('takeHubFile', () => {
  it('hands out a file once and leaves nothing of it in the request', () => {
    const request = parseHubRequest({ maCSKCB: '46001', files: ['QUJD', 'REVG'] });
    expect(takeHubFile(request.files, 1)).toBe('REVG');
    expect(request.files).toEqual(['QUJD', '']);
    expect(takeHubFile(request.files, 1)).toBe('');
  });

  it('never empties the parsed body itself', () => {
    const body = { maCSKCB: '46001', files: ['QUJD'] };
    takeHubFile(parseHubRequest(body).files, 0);
    expect(body.files).toEqual(['QUJD']);
  });
});
