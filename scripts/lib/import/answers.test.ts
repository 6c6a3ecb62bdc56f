import { describe, expect, it } from 'vitest';
import { countAcks, countJsonRecords, outcomeDiagnostics, parseAcks, readAnswer, safeMessage } from './answers.js';
import type { SendPlan } from './plan.js';

const plan = (format: SendPlan['format'], route: string, facilityHint?: string): SendPlan => ({
  action: 'send', file: { path: '/x', display: 'x', size: 1 }, format, route, contentType: 'x', gzip: false, ...(facilityHint ? { facilityHint } : {}),
});
const answer = (status: number, contentType: string, body: string) => ({ status, contentType, body, attempts: 1 });
const ack = (code: string, control: string, ...err: string[]) =>
  [`MSH|^~\\&|GATEWAY|SYT|HIS|46001|20260110093000+0700||ACK^V04^ACK|ABC1|P|2.5.1`, `MSA|${code}|${control}`, ...err].map((s) => `${s}\r`).join('');

describe('HL7 v2 ACKs', () => {
  it('reads MSA-1, MSA-2 and the category (ERR-5) and message (ERR-8) of the first ERR of each ACK', () => {
    const er7 = ack('AA', 'M1') +
      ack('AE', 'M2', 'ERR||PID^1^3|102^Data type error^HL70357|E|CCCD_FORMAT|||SO_CCCD has 11 digits', 'ERR||PV1^1^19|101^Required field missing^HL70357|E|SCHEMA|||x') +
      ack('AR', 'M3', 'ERR||MSH^1^9|200^Unsupported message type^HL70357|E|SCHEMA|||ORU not supported');
    expect(parseAcks(er7)).toEqual([
      { code: 'AA', controlId: 'M1' },
      { code: 'AE', controlId: 'M2', category: 'CCCD_FORMAT', message: 'SO_CCCD has 11 digits' },
      { code: 'AR', controlId: 'M3', category: 'SCHEMA', message: 'ORU not supported' },
    ]);
  });

  it('counts AA accepted and AE / AR rejected under the facility of the file', () => {
    const counts = countAcks(parseAcks(ack('AA', 'M1') + ack('AE', 'M2', 'ERR||||E|CCCD_FORMAT') + ack('AR', 'M3')), '46001');
    expect(counts).toEqual({ facility: '46001', accepted: 1, rejected: [{ key: 'M2', category: 'CCCD_FORMAT' }, { key: 'M3', category: 'UNKNOWN' }] });
  });

  it('reads ACKs whose segments end in LF', () => {
    expect(parseAcks(ack('AA', 'M1').replace(/\r/g, '\n'))).toEqual([{ code: 'AA', controlId: 'M1' }]);
  });
});

describe('reading an answer', () => {
  it('counts a JSON 202: category, else the first issue\'s, CSV row; facility of the answer', () => {
    const body = JSON.stringify({
      submissionId: 's1', facility: '51001', records: [
        { status: 'accepted', key: 'K1', category: null, issues: [], position: { row: 1, line: 2 } },
        { status: 'rejected', key: 'K2', category: 'CCCD_FORMAT', issues: [{ category: 'CCCD_FORMAT', field: 'row 2', message: 'x' }], position: { row: 2, line: 3 } },
        { status: 'rejected', key: 'K3', issues: [{ category: 'DATE_ORDER' }] },
      ],
    });
    expect(readAnswer(answer(202, 'application/json; charset=utf-8', body), plan('csv', '/ingest/csv?kind=immunization'))).toEqual({
      records: { facility: '51001', submissionId: 's1', accepted: 1, rejected: [{ key: 'K2', category: 'CCCD_FORMAT', row: 2 }, { key: 'K3', category: 'DATE_ORDER' }] },
    });
  });

  it('counts an HL7 200 under the facility the file names', () => {
    const ok = { ...answer(200, 'x-application/hl7-v2+er7; charset=utf-8', ack('AA', 'M1')), location: '/api/submissions/7b6c' };
    expect(readAnswer(ok, plan('hl7v2', '/ingest/hl7v2', '46009'))).toEqual({
      records: { facility: '46009', submissionId: '7b6c', accepted: 1, rejected: [] },
    });
  });

  it('fails a refused file with the OperationOutcome diagnostics, an AR 400 with its ERR-8, a 404 with the missing route', () => {
    const outcome = JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'forbidden', diagnostics: 'envelope of facility 51001 sent with a key of 46001' }] });
    expect(readAnswer(answer(403, 'application/fhir+json', outcome), plan('qd130', '/ingest/qd130'))).toEqual({ failure: 'HTTP 403: envelope of facility 51001 sent with a key of 46001' });
    expect(readAnswer(answer(400, 'x-application/hl7-v2+er7', ack('AR', '', 'ERR||MSH|100^x^HL70357|E|SCHEMA|||the body does not start with MSH')), plan('hl7v2', '/ingest/hl7v2')))
      .toEqual({ failure: 'HTTP 400: the body does not start with MSH' });
    const notFound = JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found', diagnostics: 'no route POST /ingest/fhir' }] });
    expect(readAnswer(answer(404, 'application/fhir+json', notFound), plan('fhir', '/ingest/fhir'))).toEqual({ failure: 'HTTP 404: no route POST /ingest/fhir' });
    expect(readAnswer(answer(404, 'text/html', 'Not Found'), plan('fhir', '/ingest/fhir'))).toEqual({ failure: 'HTTP 404 (this gateway has no route POST /ingest/fhir)' });
    expect(readAnswer(answer(502, 'text/html', '<html>bad gateway</html>'), plan('qd130', '/ingest/qd130'))).toEqual({ failure: 'HTTP 502' });
    expect(readAnswer(answer(202, 'text/plain', 'ok'), plan('qd130', '/ingest/qd130'))).toMatchObject({ failure: expect.stringMatching(/neither/) });
  });

  it('prints no ID numbers the gateway quoted, and keeps messages on one bounded line', () => {
    expect(safeMessage('SO_CCCD "046090001234" (12 characters)\n of 209715200 bytes')).toBe('SO_CCCD "…" (12 characters) of 209715200 bytes');
    expect(safeMessage('x'.repeat(400))).toHaveLength(300);
    expect(outcomeDiagnostics('{"resourceType":"Patient"}')).toBeUndefined();
    expect(outcomeDiagnostics('not json')).toBeUndefined();
  });
});

describe('submission views (FHIR answers are read back from the stored submission)', () => {
  it('count under the one facility their records name when the view names none (an admin key\'s Bundle)', () => {
    const view = { submissionId: 's1', facility: null, records: [{ status: 'linked', facility: '46001', key: 'a' }, { status: 'rejected', facility: '46001', key: 'b', category: 'SCHEMA' }] };
    expect(countJsonRecords(view)).toEqual({ facility: '46001', submissionId: 's1', accepted: 1, rejected: [{ key: 'b', category: 'SCHEMA' }] });
    const mixed = { ...view, records: [{ status: 'linked', facility: '46001' }, { status: 'linked', facility: '51001' }] };
    expect(countJsonRecords(mixed, '79001').facility).toBe('79001');
  });
});
