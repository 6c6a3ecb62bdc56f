import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope, makeXml1, xml1Document } from '../../scripts/lib/qd130-synthetic.js';
import { startFlakyEhr } from '../helpers/flaky-ehr.js';
import { startTestGateway, uniqueFacility, waitFor } from '../helpers/gateway.js';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;

describe('EHR outage: retries with backoff, then failed (dead letter), then linked after re-run', () => {
  let gw: Gateway;
  let ehr: Awaited<ReturnType<typeof startFlakyEhr>>;
  let facility: string;
  let facilityKey: string;
  let adminKey: string;

  beforeAll(async () => {
    let linkerKey: string | undefined;
    ehr = await startFlakyEhr(() => gw.url, () => linkerKey);
    gw = await startTestGateway({ EHR_FHIR_URL: ehr.url, LINK_ATTEMPTS: '3', LINK_BACKOFF_MS: '100', EHR_TIMEOUT_MS: '500', BREAKER_FAILURES: '100' });
    facility = uniqueFacility();
    facilityKey = await gw.key('facility', facility);
    adminKey = await gw.key('admin');
    linkerKey = await gw.key('linker');
  });
  afterAll(async () => {
    await gw?.stop();
    await ehr?.close();
  });

  const status = async (id: string) =>
    (await request(gw.url).get(`/api/submissions/${id}`).set('Authorization', `Bearer ${adminKey}`)).body;

  it.each(['503', 'refuse', 'hang'] as const)('EHR %s: the record ends failed with the EHR answer kept, then links after re-run', async (mode) => {
    ehr.mode = mode;
    const xml1 = makeXml1(facility, `LK-OUT-${mode}-${facility}`, Math.floor(Math.random() * 1e9));
    // Counted before the POST: the worker may call the EHR before the 202 reaches the test.
    const callsBefore = ehr.calls;
    const res = await request(gw.url).post('/ingest/qd130').set('Authorization', `Bearer ${facilityKey}`)
      .set('Content-Type', 'application/xml').send(envelope(facility, [[['XML1', xml1Document(xml1)]]]));
    expect(res.status).toBe(202);
    const failed = await waitFor(async () => {
      const s = await status(res.body.submissionId);
      return s.records[0].status === 'failed' ? s : undefined;
    }, 20_000, 'record to fail');
    expect(failed.records[0].attempts).toBe(3);
    expect(failed.records[0].error.resourceType).toBe('OperationOutcome');
    if (mode === '503') expect(failed.records[0].error.issue[0].diagnostics).toBe('EHR 503');
    expect(ehr.calls - callsBefore).toBeGreaterThanOrEqual(3);

    ehr.mode = 'up';
    const rerun = await request(gw.url).post('/api/records/rerun').set('Authorization', `Bearer ${adminKey}`).send({ submissionId: res.body.submissionId });
    expect(rerun.status).toBe(202);
    expect(rerun.body.requeued).toBe(1);
    const linked = await waitFor(async () => {
      const s = await status(res.body.submissionId);
      return s.records[0].status === 'linked' ? s : undefined;
    }, 20_000, 'record to link after re-run');
    expect(linked.records[0].error).toBeNull();
  });
});
