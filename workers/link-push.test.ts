import { randomBytes } from 'node:crypto';
import type { Bundle, FhirResource } from 'fhir/r4.js';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../db/migrate.js';
import type { EpisodeToLink } from '../records/records.repo.js';
import { CircuitBreaker } from '../resilience/circuit-breaker.js';
import { servicesEnv } from '../test/helpers/gateway.js';
import { EhrError, type EhrClient } from './ehr-port.js';
import { contentHash, ehrKey, recordSent } from './ehr-sent.repo.js';
import { pushEpisodes, type PushResult } from './link-push.js';

/** A stand-in EHR (not a database mock: PostgreSQL is real) that keeps every Bundle and answers as told. */
function fakeEhr(answer: (bundle: Bundle, call: number) => Bundle | EhrError = () => ({ resourceType: 'Bundle', type: 'transaction-response', entry: [] })) {
  const bundles: Bundle[] = [];
  const ehr: EhrClient = {
    baseUrl: `http://ehr-${randomBytes(4).toString('hex')}.test/fhir/`,
    async transaction(bundle) {
      bundles.push(structuredClone(bundle));
      const a = answer(bundle, bundles.length);
      if (a instanceof EhrError) throw a;
      return a;
    },
  };
  return { ehr, bundles };
}

const org = (name = 'BV Đa khoa'): FhirResource => ({ resourceType: 'Organization', id: 'o1', name });
function episode(no: number, extra: FhirResource[] = [], previousRefs: string[] = []): EpisodeToLink {
  const resources: FhirResource[] = [{ resourceType: 'Patient', id: `p${no}` }, org(), { resourceType: 'Encounter', id: `e${no}`, status: 'finished', class: { code: 'AMB' } }, ...extra];
  return { facility: '46001', recordKey: `LK${no}`, latestRecordId: no, personId: null, resources, previousRefs, learn: null, format: 'qd130', receivedAt: new Date(0) };
}
const methods = (b: Bundle) => b.entry!.map((e) => `${e.request!.method} ${e.request!.url}`);
/** Log lines as JSON objects (pino writes to this stream). */
const lines: Array<Record<string, unknown>> = [];
const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });

describe('pushEpisodes with a real PostgreSQL', () => {
  let pool: pg.Pool;
  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: servicesEnv().DATABASE_URL, max: 2 });
    await migrate(pool);
  });
  afterAll(async () => pool?.end());

  /** One job: push, then store what was sent, as the link processor does, in one database transaction. */
  async function job(ehr: EhrClient, episodes: EpisodeToLink[], maxBundleEntries = 100): Promise<PushResult> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await pushEpisodes(client, episodes, { ehr, breaker: new CircuitBreaker(ehr.baseUrl, 100, 1000), maxBundleEntries }, log);
      await recordSent(client, ehrKey(ehr.baseUrl), result.sent, [...result.deleted]);
      await client.query('COMMIT');
      return result;
    } finally {
      client.release();
    }
  }

  it('does not send a resource again whose content (meta aside) the EHR already holds', async () => {
    const { ehr, bundles } = fakeEhr();
    expect((await job(ehr, [episode(1)])).linked).toHaveLength(1);
    expect(methods(bundles[0]!)).toEqual(['PUT Patient/p1', 'PUT Organization/o1', 'PUT Encounter/e1']);
    expect(bundles[0]!.entry![0]!.fullUrl).toBe(`${ehrKey(ehr.baseUrl)}/Patient/p1`);

    // A second episode of the same facility: the Organization is not PUT again.
    await job(ehr, [episode(2)]);
    expect(methods(bundles[1]!)).toEqual(['PUT Patient/p2', 'PUT Encounter/e2']);

    // Nothing changed (a meta of the server's does not count): linked without a request.
    const same = episode(2);
    same.resources[0] = { ...same.resources[0]!, meta: { versionId: '7', lastUpdated: '2026-01-01T00:00:00Z' } } as FhirResource;
    const unchanged = await job(ehr, [same]);
    expect(unchanged.linked.map((e) => e.refs)).toEqual([['Patient/p2', 'Organization/o1', 'Encounter/e2']]);
    expect(bundles).toHaveLength(2);

    // The facility renamed: the Organization goes again (its new hash is stored).
    const renamed = episode(3);
    renamed.resources[1] = org('BV Đa khoa tỉnh');
    await job(ehr, [renamed]);
    expect(methods(bundles[2]!)).toEqual(['PUT Patient/p3', 'PUT Organization/o1', 'PUT Encounter/e3']);
    const { rows } = await pool.query('SELECT hash FROM ehr_sent_hashes WHERE ehr = $1 AND ref = $2', [ehrKey(ehr.baseUrl), 'Organization/o1']);
    expect(rows[0].hash).toBe(contentHash(org('BV Đa khoa tỉnh')));
  });

  it('keeps hashes per EHR: another EHR gets everything', async () => {
    const a = fakeEhr();
    const b = fakeEhr();
    await job(a.ehr, [episode(1)]);
    await job(b.ehr, [episode(1)]);
    expect(methods(b.bundles[0]!)).toHaveLength(3);
  });

  it('sends a refused Bundle again without its DELETEs when the EHR answers 404, then each DELETE alone (404: done)', async () => {
    const notFound = () => new EhrError('EHR answered 404', 404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
    const { ehr, bundles } = fakeEhr((b) => (b.entry!.some((e) => e.request?.method === 'DELETE') ? notFound() : { resourceType: 'Bundle', type: 'transaction-response', entry: [] }));
    const cond: FhirResource = { resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p1' } };
    await job(ehr, [episode(1, [cond, { ...cond, id: 'c2' }])]);
    const result = await job(ehr, [episode(1, [cond], ['Condition/c1', 'Condition/c2'])]);
    expect(result.linked).toHaveLength(1);
    expect(result.failed).toEqual([]);
    expect([...result.deleted]).toEqual(['Condition/c2']);
    expect(bundles.slice(1).map(methods)).toEqual([['DELETE Condition/c2'], ['DELETE Condition/c2']]);
    const { rows } = await pool.query('SELECT 1 FROM ehr_sent_hashes WHERE ehr = $1 AND ref = $2', [ehrKey(ehr.baseUrl), 'Condition/c2']);
    expect(rows).toEqual([]);
  });

  it('counts a DELETE answered 404 or 410 inside a transaction-response as done', async () => {
    const { ehr } = fakeEhr((b) => ({ resourceType: 'Bundle', type: 'transaction-response', entry: b.entry!.map((e) => ({ response: { status: e.request?.method === 'DELETE' ? '410 Gone' : '200 OK' } })) }));
    const result = await job(ehr, [episode(1, [], ['Condition/c9'])]);
    expect(result.linked).toHaveLength(1);
    expect([...result.deleted]).toEqual(['Condition/c9']);
  });

  it('fails an episode whose PUT entry the EHR answers 4xx, and links the others', async () => {
    const { ehr } = fakeEhr((b) => ({
      resourceType: 'Bundle', type: 'transaction-response',
      entry: b.entry!.map((e) => ({ response: { status: e.request?.url === 'Encounter/e2' ? '422 Unprocessable Entity' : '200 OK' } })),
    }));
    const result = await job(ehr, [episode(1), episode(2)]);
    expect(result.linked.map((e) => e.latestRecordId)).toEqual([1]);
    expect(result.failed.map((f) => [f.episode.latestRecordId, f.answer?.status])).toEqual([[2, 422]]);
  });

  it('logs every narrowed push with the record ids and the EHR answer (status and OperationOutcome issues)', async () => {
    lines.length = 0;
    const refused = new EhrError('EHR answered 422', 422, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invariant', diagnostics: 'bad Encounter', expression: ['Encounter.status'] }] });
    const notFound = new EhrError('EHR answered 404', 404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
    const { ehr } = fakeEhr((b) => (b.entry!.some((e) => e.request?.method === 'DELETE') ? notFound : b.entry!.some((e) => e.request?.url === 'Encounter/e2') ? refused : { resourceType: 'Bundle', type: 'transaction-response', entry: [] }));
    await job(ehr, [episode(1, [], ['Condition/x1']), episode(2)]);
    const narrowed = lines.find((l) => String(l.msg).startsWith('EHR refused the batch'));
    expect(narrowed).toMatchObject({ records: [1, 2], ehr: { status: 422, issues: [{ severity: 'error', code: 'invariant', expression: ['Encounter.status'], diagnostics: 'bad Encounter' }] } });
    // The Bundle of both episodes, then episode 1 alone, went again without the DELETE.
    const withoutDeletes = lines.filter((l) => String(l.msg).includes('sent again without them'));
    expect(withoutDeletes.map((l) => l.records)).toEqual([[1, 2], [1]]);
    expect(withoutDeletes[1]).toMatchObject({ deletes: 1, ehr: { status: 404, issues: [{ code: 'not-found' }] } });
  });

  it('keeps the Bundles accepted before a transient failure and names the episodes left', async () => {
    const { ehr, bundles } = fakeEhr((_b, call) => (call === 2 ? new EhrError('EHR answered 503', 503, undefined) : { resourceType: 'Bundle', type: 'transaction-response', entry: [] }));
    const result = await job(ehr, [episode(1), episode(2), episode(3)], 3);
    expect(bundles.map((b) => b.entry!.length)).toEqual([3, 2]);
    expect(result.linked.map((e) => e.latestRecordId)).toEqual([1]);
    expect(result.error).toBeInstanceOf(EhrError);
    expect(result.pending).toEqual([2, 3]);
  });
});
