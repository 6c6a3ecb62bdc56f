import { readFileSync } from 'node:fs';
import type { Bundle, Condition, Encounter, FhirResource, Organization, Patient } from 'fhir/r4.js';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope, makeXml1, xml1Document, type Xml1Fields } from '../../scripts/lib/qd130-synthetic.js';
import { startTestGateway, waitFor } from '../helpers/gateway.js';
import { startExternalFhirServer, type ExternalFhirServer } from '../support/external-fhir/medplum-server.js';

/**
 * Linkage into an independent FHIR server (Medplum's FhirRouter + MemoryRepository over HTTP):
 * what the gateway sends must be accepted and read back by a server we did not write, with
 * Bundles capped at LINK_MAX_BUNDLE_ENTRIES, unchanged resources not sent again and DELETEs of
 * Conditions the server no longer has counted as done (docs/linkage-external-ehr.md).
 */
const CCCD = 'http://fhir.hl7.org.vn/core/sid/cccd';
const FACILITY = '46001';
const CAP = 5;
/** Random per run: the dev database may hold earlier runs' patients. */
const SEED = Math.floor(Math.random() * 1e9);
type Gateway = Awaited<ReturnType<typeof startTestGateway>>;

describe('linkage into an independent FHIR server (Medplum)', () => {
  let ehr: ExternalFhirServer;
  let gw: Gateway;
  let facilityKey: string, adminKey: string;

  beforeAll(async () => {
    ehr = await startExternalFhirServer();
    gw = await startTestGateway({ EHR_FHIR_URL: ehr.url, LINK_MAX_BUNDLE_ENTRIES: String(CAP), EHR_TIMEOUT_MS: '5000', BREAKER_FAILURES: '100' });
    // A fresh server on a port an earlier run may have used: it holds nothing the gateway remembers sending.
    await gw.pool.query('DELETE FROM ehr_sent_hashes WHERE ehr = $1', [ehr.url]);
    facilityKey = await gw.key('facility', FACILITY);
    adminKey = await gw.key('admin');
  });
  afterAll(async () => {
    await gw?.stop();
    await ehr?.close();
  });

  const submit = (xml: string | Buffer) =>
    request(gw.url).post('/ingest/qd130').set('Authorization', `Bearer ${facilityKey}`).set('Content-Type', 'application/xml').send(xml);
  const linked = async (xml: string | Buffer, n: number) => {
    const res = await submit(xml);
    expect(res.status).toBe(202);
    return waitFor(async () => {
      const view = (await request(gw.url).get(`/api/submissions/${res.body.submissionId}`).set('Authorization', `Bearer ${adminKey}`)).body;
      if (view.counts.failed > 0) throw new Error(`records failed: ${JSON.stringify(view.records.map((r: { error: unknown }) => r.error))}`);
      return view.counts.linked === n ? view : undefined;
    }, 20_000, 'records to link');
  };
  const search = async <T extends FhirResource>(query: string): Promise<T[]> => {
    const { status, body } = await ehr.fhir('GET', query);
    expect(status).toBe(200);
    return ((body as Bundle).entry ?? []).map((e) => e.resource as T);
  };
  const patientOf = async (cccd: string) => {
    const found = await search<Patient>(`Patient?identifier=${encodeURIComponent(`${CCCD}|${cccd}`)}`);
    expect(found).toHaveLength(1);
    return found[0]!;
  };
  const encountersOf = (patient: Patient) => search<Encounter>(`Encounter?subject=Patient/${patient.id}`);
  const codesOf = async (encounter: Encounter) =>
    (await search<Condition>(`Condition?encounter=Encounter/${encounter.id}`)).map((c) => c.code!.coding![0]!.code).sort();
  /** Every Bundle of `bundles` within the cap unless it carries one episode alone; no episode's Encounter and Conditions in different Bundles. */
  const expectCappedAndWhole = async (bundles: typeof ehr.bundles) => {
    const sent = bundles.filter((b) => b.status < 300);
    for (const b of sent) {
      const encounters = b.entries.filter((e) => e.startsWith('PUT Encounter/'));
      expect(b.entries.length <= CAP || encounters.length === 1, `Bundle over the cap with ${encounters.length} episodes: ${b.entries.join(', ')}`).toBe(true);
      for (const put of encounters) {
        const conditions = await search<Condition>(`Condition?encounter=${put.slice(4)}`);
        for (const c of conditions) expect(b.entries).toContain(`PUT Condition/${c.id}`);
      }
    }
  };

  it('links the three episodes of the sample claim and reads them back: Patient by CCCD, Encounters, Conditions, Organization', async () => {
    const before = ehr.bundles.length;
    await linked(readFileSync('samples/qd130-46001-three-episodes.xml'), 3);
    const thu = await patientOf('046166051839');
    expect(thu.name![0]!.text).toBe('TRẦN THỊ LỆ THU');
    expect(thu.birthDate).toBe('1966-09-09');
    const [visit] = await encountersOf(thu);
    expect(visit!.identifier!.map((i) => i.value)).toContain('HUE2502030051');
    expect(visit!.status).toBe('finished');
    expect(await codesOf(visit!)).toEqual(['I10', 'I20.0']);
    const loi = await patientOf('046053660971');
    expect(loi.name![0]!.text).toBe('HỒ VĂN LỢI');
    const [loiVisit] = await encountersOf(loi);
    expect(await codesOf(loiVisit!)).toEqual(['J44.1']);
    const thien = await patientOf('046201774062');
    expect(await codesOf((await encountersOf(thien))[0]!)).toEqual(['S51.9']);

    const orgRef = visit!.serviceProvider!.reference!;
    const org = await ehr.fhir('GET', orgRef);
    expect(org.status).toBe(200);
    expect((org.body as Organization).identifier![0]!.value).toBe(FACILITY);
    expect(loiVisit!.serviceProvider!.reference).toBe(orgRef);
    // The cap split the job into several Bundles; the facility's Organization went in only one of them.
    const bundles = ehr.bundles.slice(before);
    expect(bundles.filter((b) => b.status < 300).length).toBeGreaterThan(1);
    expect(ehr.puts.get(orgRef)).toBe(1);
    await expectCappedAndWhole(bundles);

    // The sample of invalid CCCDs is rejected at ingest: nothing of it reaches the server.
    const sent = ehr.bundles.length;
    const bad = await submit(readFileSync('samples/qd130-46001-bad-cccd.xml'));
    expect(bad.body.records.map((r: { status: string }) => r.status)).toEqual(['rejected', 'rejected']);
    await new Promise((r) => setTimeout(r, 300));
    expect(ehr.bundles.length).toBe(sent);
  });

  it('does not PUT the Organization again in a second submission, and keeps every Bundle within the cap', async () => {
    const orgPuts = [...ehr.puts].filter(([ref]) => ref.startsWith('Organization/'));
    expect(orgPuts).toHaveLength(1);
    const before = ehr.bundles.length;
    const episodes = [1, 2, 3, 4].map((i) => makeXml1(FACILITY, `EXT-CAP-${SEED}-${i}`, SEED + i, { MA_BENH_CHINH: 'J18.9', MA_BENH_KT: i % 2 ? 'I10;E11.9' : '' }));
    await linked(envelope(FACILITY, episodes.map((x) => [['XML1', xml1Document(x)]])), 4);
    expect([...ehr.puts].filter(([ref]) => ref.startsWith('Organization/'))).toEqual(orgPuts);
    const bundles = ehr.bundles.slice(before);
    expect(bundles.every((b) => !b.entries.some((e) => e.startsWith('PUT Organization/')))).toBe(true);
    await expectCappedAndWhole(bundles);
    for (const x of episodes) {
      const [visit] = await encountersOf(await patientOf(x.SO_CCCD!));
      expect(await codesOf(visit!)).toEqual(x.MA_BENH_KT ? ['E11.9', 'I10', 'J18.9'] : ['J18.9']);
    }
  });

  it('a resubmission that drops a Condition links and the Condition is gone from the server', async () => {
    const v1: Xml1Fields = makeXml1(FACILITY, `EXT-DROP-${SEED}`, SEED + 50, { MA_BENH_CHINH: 'J03', MA_BENH_KT: 'I10;E11.9' });
    await linked(envelope(FACILITY, [[['XML1', xml1Document(v1)]]]), 1);
    const patient = await patientOf(v1.SO_CCCD!);
    const [visit] = await encountersOf(patient);
    expect(await codesOf(visit!)).toEqual(['E11.9', 'I10', 'J03']);
    const putsBefore = new Map(ehr.puts);

    await linked(envelope(FACILITY, [[['XML1', xml1Document({ ...v1, MA_BENH_KT: 'I10' })]]]), 1);
    expect(await codesOf(visit!)).toEqual(['I10', 'J03']);
    // Only what changed went: the Encounter (its diagnosis list) and the DELETE; Patient, Organization and kept Conditions are unchanged.
    expect(ehr.bundles.at(-1)!.entries).toEqual([`PUT Encounter/${visit!.id}`, expect.stringMatching(/^DELETE Condition\//)]);
    expect(ehr.puts).toEqual(new Map([...putsBefore, [`Encounter/${visit!.id}`, putsBefore.get(`Encounter/${visit!.id}`)! + 1]]));
  });

  it('a DELETE of a Condition the server no longer has (404) counts as done: the episode links, and so does a re-run', async () => {
    const v1: Xml1Fields = makeXml1(FACILITY, `EXT-404-${SEED}`, SEED + 60, { MA_BENH_CHINH: 'K29.7', MA_BENH_KT: 'I10' });
    await linked(envelope(FACILITY, [[['XML1', xml1Document(v1)]]]), 1);
    const [visit] = await encountersOf(await patientOf(v1.SO_CCCD!));
    const stale = (await search<Condition>(`Condition?encounter=Encounter/${visit!.id}`)).find((c) => c.code!.coding![0]!.code === 'I10')!;
    // Someone removed it on the EHR side: the worker's DELETE will find nothing.
    expect((await ehr.fhir('DELETE', `Condition/${stale.id}`)).status).toBe(200);
    const before = ehr.bundles.length;

    const v2 = { ...v1, MA_BENH_KT: '' };
    await linked(envelope(FACILITY, [[['XML1', xml1Document(v2)]]]), 1);
    const seen = ehr.bundles.slice(before);
    expect(seen[0]).toMatchObject({ status: 404 });
    expect(seen[0]!.entries).toContain(`DELETE Condition/${stale.id}`);
    expect(seen.slice(1).every((b) => b.status < 300 || (b.status === 404 && b.entries.length === 1))).toBe(true);
    expect(await codesOf(visit!)).toEqual(['K29.7']);
    // The Encounter went in the Bundle sent again without the DELETE: it no longer names the Condition.
    const updated = (await ehr.fhir('GET', `Encounter/${visit!.id}`)).body as Encounter;
    expect(updated.diagnosis!.map((d) => d.condition.reference)).not.toContain(`Condition/${stale.id}`);

    // Sent again (a re-run of the same content): links; the server holds all of it, so nothing is sent, no DELETE either.
    const rerun = ehr.bundles.length;
    await linked(envelope(FACILITY, [[['XML1', xml1Document(v2)]]]), 1);
    expect(ehr.bundles.slice(rerun)).toEqual([]);
  });
});
