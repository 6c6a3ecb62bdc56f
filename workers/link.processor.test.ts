import type { BundleEntry, FhirResource } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import type { EpisodeToLink } from '../records/records.repo.js';
import { buildLinkBundle } from './link.processor.js';

const patient = (id: string, family: string): FhirResource => ({ resourceType: 'Patient', id, name: [{ family }] });
const organization = (id: string): FhirResource => ({ resourceType: 'Organization', id, name: id });
const encounter = (id: string): FhirResource => ({ resourceType: 'Encounter', id, status: 'finished', class: { code: 'AMB' } });
const condition = (id: string): FhirResource => ({ resourceType: 'Condition', id, subject: { reference: 'Patient/p1' } });

function episode(recordKey: string, latestRecordId: number, resources: FhirResource[], previousRefs: string[] = []): EpisodeToLink {
  return { facility: '79001', recordKey, latestRecordId, personId: null, resources, previousRefs, learn: null, format: 'qd130', receivedAt: new Date(0) };
}

const describeEntry = (e: BundleEntry) => `${e.request?.method} ${e.request?.url}`;

describe('buildLinkBundle', () => {
  it('PUTs every resource with fullUrl and request.url set to Type/id', () => {
    const resources = [patient('p1', 'Nguyen'), encounter('e1'), condition('c1')];
    const { bundle } = buildLinkBundle([episode('LK1', 1, resources)]);
    expect(bundle).toEqual({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'Patient/p1', resource: resources[0], request: { method: 'PUT', url: 'Patient/p1' } },
        { fullUrl: 'Encounter/e1', resource: resources[1], request: { method: 'PUT', url: 'Encounter/e1' } },
        { fullUrl: 'Condition/c1', resource: resources[2], request: { method: 'PUT', url: 'Condition/c1' } },
      ],
    });
  });

  it('gives an empty transaction for no episodes', () => {
    const { bundle, refsByEpisode } = buildLinkBundle([]);
    expect(bundle).toEqual({ resourceType: 'Bundle', type: 'transaction', entry: [] });
    expect(refsByEpisode.size).toBe(0);
  });

  it('sends a shared resource once, in the version of the newest record, whatever the input order', () => {
    const older = patient('p1', 'Old');
    const newer = patient('p1', 'New');
    const eps = [episode('LK2', 20, [newer, encounter('e2')]), episode('LK1', 10, [older, organization('o1'), encounter('e1')])];
    const { bundle } = buildLinkBundle(eps);
    const patients = bundle.entry!.filter((e) => e.request?.url === 'Patient/p1');
    expect(patients).toHaveLength(1);
    expect(patients[0]!.resource).toBe(newer);
  });

  it('orders entries by record id and moves a resource to where its newest version appears', () => {
    const eps = [
      episode('LK3', 30, [patient('p1', 'C'), encounter('e3')]),
      episode('LK1', 10, [patient('p1', 'A'), organization('o1'), encounter('e1')]),
      episode('LK2', 20, [organization('o1'), encounter('e2')]),
    ];
    const { bundle } = buildLinkBundle(eps);
    expect(bundle.entry!.map(describeEntry)).toEqual([
      'PUT Encounter/e1',
      'PUT Organization/o1',
      'PUT Encounter/e2',
      'PUT Patient/p1',
      'PUT Encounter/e3',
    ]);
  });

  it('does not reorder the caller’s episode list', () => {
    const eps = [episode('LK2', 20, [encounter('e2')]), episode('LK1', 10, [encounter('e1')])];
    buildLinkBundle(eps);
    expect(eps.map((e) => e.recordKey)).toEqual(['LK2', 'LK1']);
  });

  it('DELETEs an episode-owned Condition a resubmission dropped, after all PUTs', () => {
    const ep = episode('LK1', 2, [patient('p1', 'A'), encounter('e1'), condition('c2')], ['Patient/p1', 'Encounter/e1', 'Condition/c1', 'Condition/c2']);
    const { bundle } = buildLinkBundle([ep]);
    expect(bundle.entry!.map(describeEntry)).toEqual(['PUT Patient/p1', 'PUT Encounter/e1', 'PUT Condition/c2', 'DELETE Condition/c1']);
    expect(bundle.entry!.at(-1)).toEqual({ request: { method: 'DELETE', url: 'Condition/c1' } });
  });

  it('never DELETEs shared resources (Patient, Organization) or other types a resubmission dropped', () => {
    const ep = episode('LK1', 2, [encounter('e1')], ['Patient/p1', 'Organization/o1', 'Encounter/e0', 'Immunization/i1']);
    const { bundle } = buildLinkBundle([ep]);
    expect(bundle.entry!.map(describeEntry)).toEqual(['PUT Encounter/e1']);
  });

  it('does not DELETE a Condition another episode of the batch still sends', () => {
    const eps = [episode('LK1', 1, [encounter('e1')], ['Condition/c1']), episode('LK2', 2, [encounter('e2'), condition('c1')])];
    const { bundle } = buildLinkBundle(eps);
    expect(bundle.entry!.map(describeEntry)).toEqual(['PUT Encounter/e1', 'PUT Encounter/e2', 'PUT Condition/c1']);
  });

  it('DELETEs a Condition dropped by two episodes only once (a transaction refuses duplicates)', () => {
    const eps = [episode('LK1', 1, [encounter('e1')], ['Condition/c9']), episode('LK2', 2, [encounter('e2')], ['Condition/c9'])];
    const { bundle } = buildLinkBundle(eps);
    expect(bundle.entry!.map(describeEntry)).toEqual(['PUT Encounter/e1', 'PUT Encounter/e2', 'DELETE Condition/c9']);
  });

  it('maps each input episode object to the refs it sends now, shared ones included', () => {
    const a = episode('LK1', 10, [patient('p1', 'A'), encounter('e1'), condition('c1')], ['Condition/c0']);
    const b = episode('LK2', 20, [patient('p1', 'B'), encounter('e2')]);
    const { refsByEpisode } = buildLinkBundle([b, a]);
    expect(refsByEpisode.size).toBe(2);
    expect(refsByEpisode.get(a)).toEqual(['Patient/p1', 'Encounter/e1', 'Condition/c1']);
    expect(refsByEpisode.get(b)).toEqual(['Patient/p1', 'Encounter/e2']);
  });
});
