import { describe, expect, it } from 'vitest';
import { forbidden, GatewayError, tooLarge } from '../../errors/outcome.js';
import { MappingError } from '../../mappers/errors.js';
import type { IngestResult } from '../../pipeline/ingest.pipeline.js';
import type { SubmissionView } from '../../records/submissions.repo.js';
import {
  batchAnswer, batchCodeOf, batchHttp, errorAnswer, hubTime, KET_QUA, refusedFileResult, statusAnswer, storedFileResult, thongBaoOf,
  TRANSIENT_RETRY_AFTER_SECONDS, undecodableFileResult,
  type FileResult,
} from './hub-results.js';

const AT = new Date('2025-02-28T17:30:05.123Z'); // 2025-03-01 00:30:05 in Việt Nam
const cccdIssue = { category: 'CCCD_FORMAT' as const, field: 'XML1.SO_CCCD', message: 'SO_CCCD "04616605183" is not 12 digits' };
const ingested = (statuses: Array<'accepted' | 'rejected'>): IngestResult => ({
  submissionId: '7b0e5f5e-0000-4000-8000-000000000001', facility: '46001',
  records: statuses.map((status, i) => ({ key: `LK${i}`, status, issues: status === 'rejected' ? [cccdIssue] : [] })),
});

describe('file results', () => {
  it.each([
    [['accepted', 'accepted'], '200', 2, 0],
    [['accepted', 'rejected'], '206', 1, 1],
    [['rejected'], '422', 0, 1],
  ] as const)('records %j → maKetQua %s', (statuses, code, ok, bad) => {
    const r = storedFileResult(1, ingested([...statuses]), AT);
    expect(r).toMatchObject({ stt: 1, maGiaoDich: ingested([]).submissionId, maKetQua: code, thongBao: KET_QUA[code], soHoSo: statuses.length, soHoSoThanhCong: ok, soHoSoLoi: bad });
    expect(r.thoiGianTiepNhan).toBe('20250301003005');
  });

  it('names each record by MA_LK with status, category and fields, never the issue message', () => {
    const r = storedFileResult(2, ingested(['accepted', 'rejected']), AT);
    expect(r.hoSo).toEqual([
      { maLk: 'LK0', trangThai: 'accepted', maLoi: null, truongLoi: [] },
      { maLk: 'LK1', trangThai: 'rejected', maLoi: 'CCCD_FORMAT', truongLoi: ['XML1.SO_CCCD'] },
    ]);
    expect(JSON.stringify(r)).not.toContain('04616605183');
  });

  it.each([
    [new MappingError('envelope is not well-formed XML: 1:3: unexpected end', 'GIAMDINHHS'), '400'],
    [new MappingError('HOSO is longer than 10 characters', 'HOSO[1]', 'too-costly'), '413'],
    [new MappingError('encoding latin1', '/', 'not-supported'), '415'],
    [forbidden('this key submits for facility 46001; the submission is from "46002"'), '403'],
    [tooLarge('upload is larger than 10 bytes (MAX_BODY_MB)'), '413'],
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), '503'],
    [new Error('boom'), '500'],
  ])('a refused file: %s → %s, not stored', (err, code) => {
    const r = refusedFileResult(3, err);
    expect(r).toMatchObject({ stt: 3, maGiaoDich: null, maKetQua: code, thongBao: thongBaoOf(code, 'file'), soHoSo: 0, hoSo: [] });
    if (code === '500') expect(r.chiTiet).not.toContain('boom');
  });

  it('invalid base64 is 205, naming the problem', () => {
    expect(undecodableFileResult(2, 'the file is not valid base64')).toMatchObject({ maKetQua: '205', maGiaoDich: null, chiTiet: 'the file is not valid base64', viTri: ['files[1]'] });
  });
});

describe('the batch code', () => {
  const file = (maKetQua: string, stored: boolean): FileResult => ({ ...undecodableFileResult(1, 'x'), maKetQua, maGiaoDich: stored ? 'id' : null });
  it.each([
    [[['200', true], ['200', true]], '200'],
    [[['422', true]], '422'],
    [[['403', false]], '403'],
    [[['200', true], ['206', true]], '206'],
    [[['200', true], ['205', false]], '206'],
    [[['205', false], ['400', false]], '400'],
    [[['503', false], ['503', false]], '503'],
    [[['503', false], ['205', false]], '503'],
    [[['200', true], ['503', false]], '207'],
    [[['206', true], ['503', false], ['205', false]], '207'],
    [[['200', true], ['500', false]], '206'],
  ] as const)('%j → %s', (files, code) => {
    expect(batchCodeOf(files.map(([c, s]) => file(c, s)))).toBe(code);
  });

  const storeDown = () => refusedFileResult(2, Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));

  it('nothing stored because the store is down: HTTP 503 with Retry-After, the hub body saying to send again later', () => {
    const a = batchAnswer('b-2', AT, { maCSKCB: '46001', loaiHoSo: '130' }, [storeDown(), storeDown()]);
    expect(a).toMatchObject({ maKetQua: '503', thongBao: KET_QUA['503'], totalSuccess: 0, totalFailed: 2 });
    expect(batchHttp(a)).toEqual({ status: 503, headers: { 'Retry-After': String(TRANSIENT_RETRY_AFTER_SECONDS) } });
  });

  it('some files stored, others hit the outage: 207 (resend those files unchanged), not 206 (fix and resend), HTTP 200', () => {
    const a = batchAnswer('b-3', AT, { maCSKCB: '46001', loaiHoSo: '130' }, [storedFileResult(1, ingested(['accepted']), AT), storeDown()]);
    expect(a).toMatchObject({ maKetQua: '207', thongBao: KET_QUA['207'], totalSuccess: 1, totalFailed: 1 });
    expect(a.thongBao).not.toBe(KET_QUA['206']);
    expect(a.thongBao).toMatch(/503/);
    expect(a.fileResults[1]).toMatchObject({ maKetQua: '503', maGiaoDich: null, thongBao: KET_QUA['503'] });
    expect(batchHttp(a)).toEqual({ status: 200, headers: {} });
  });

  it('every other batch is HTTP 200, whatever its maKetQua', () => {
    for (const code of ['200', '205', '206', '207', '400', '403', '413', '422', '500']) expect(batchHttp({ maKetQua: code }).status).toBe(200);
  });

  it('counts stored and refused files and the records of all files', () => {
    const a = batchAnswer('b-1', AT, { maCSKCB: '46001', loaiHoSo: '130' }, [storedFileResult(1, ingested(['accepted', 'rejected']), AT), undecodableFileResult(2, 'x')]);
    expect(a).toMatchObject({ maKetQua: '206', batchId: 'b-1', totalSuccess: 1, totalFailed: 1, soHoSoThanhCong: 1, soHoSoLoi: 1, thoiGianTiepNhan: '20250301003005' });
  });
});

describe('tra-cuu-trang-thai and errors', () => {
  it('shows counts in the gateway vocabulary and processing until nothing is pending', () => {
    const view: SubmissionView = {
      submissionId: 's-1', facility: '46001', format: 'qd130', receivedAt: AT.toISOString(), byteSize: 10, clientId: 'k',
      counts: { accepted: 1, linked: 1, rejected: 1, failed: 1, held: 0, unverified: 0 },
      records: [
        { key: 'A', facility: '46001', status: 'linked', category: null, issues: [], linkedAt: AT.toISOString(), attempts: 1, error: null },
        { key: 'B', facility: '46001', status: 'rejected', category: 'CCCD_FORMAT', issues: [cccdIssue], linkedAt: null, attempts: 0, error: null },
        { key: 'C', facility: '46001', status: 'failed', category: null, issues: [], linkedAt: null, attempts: 3, error: 'EHR 500' },
        { key: 'D', facility: '46001', status: 'accepted', category: null, issues: [], linkedAt: null, attempts: 0, error: null },
      ],
    };
    const s = statusAnswer(view);
    expect(s).toMatchObject({ maKetQua: '200', trangThai: 'processing', soHoSo: 4, soHoSoDaLienThong: 1, soHoSoLoi: 1, soHoSoThatBai: 1, soHoSoChoXuLy: 1 });
    expect(s.hoSo.map((h) => [h.maLk, h.trangThai, h.maLoi, h.thoiGianLienThong])).toEqual([
      ['A', 'linked', null, '20250301003005'], ['B', 'rejected', 'CCCD_FORMAT', null], ['C', 'failed', 'LINK_FAILED', null], ['D', 'accepted', null, null],
    ]);
    expect(JSON.stringify(s)).not.toMatch(/04616605183|EHR 500/);
    expect(statusAnswer({ ...view, counts: { ...view.counts, accepted: 0 } }).trangThai).toBe('done');
  });

  it('a refused request is hub JSON with the HTTP status as maKetQua', () => {
    expect(errorAnswer(new GatewayError(400, 'invalid', 'maCSKCB is required', ['maCSKCB']))).toEqual({
      status: 400, headers: {}, body: { maKetQua: '400', thongBao: KET_QUA['400'], chiTiet: 'maCSKCB is required', viTri: ['maCSKCB'] },
    });
    expect(errorAnswer({ type: 'entity.parse.failed' }).body).toMatchObject({ maKetQua: '400' });
    expect(errorAnswer({ type: 'entity.too.large' }).body).toMatchObject({ maKetQua: '413', thongBao: KET_QUA['413'] });
    expect(thongBaoOf('418')).toBe(KET_QUA['400']);
    expect(thongBaoOf('403', 'file')).not.toBe(KET_QUA['403']);
    expect(thongBaoOf('205', 'file')).toBe(KET_QUA['205']);
    expect(hubTime(new Date('2025-12-31T23:59:59Z'))).toBe('20260101065959');
  });
});
