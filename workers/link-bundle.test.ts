import type { BundleEntry, FhirResource } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import type { EpisodeToLink } from '../records/records.repo.js';
import { buildLinkBundle, fullUrlBase, splitEpisodes } from './link-bundle.js';

const org: FhirResource = { resourceType: 'Organization', id: 'o1', name: 'BV' };
const patient = (id: string): FhirResource => ({ resourceType: 'Patient', id });
const encounter = (id: string): FhirResource => ({ resourceType: 'Encounter', id, status: 'finished', class: { code: 'AMB' } });
const condition = (id: string): FhirResource => ({ resourceType: 'Condition', id, subject: { reference: 'Patient/p1' } });

/** An episode of `n` Conditions with its Patient, Encounter and the shared Organization (n + 3 resources). */
function episode(no: number, n: number, previousRefs: string[] = [], person = `p${no}`): EpisodeToLink {
  const resources = [patient(person), org, encounter(`e${no}`), ...Array.from({ length: n }, (_, i) => condition(`c${no}-${i}`))];
  return { facility: '46001', recordKey: `LK${no}`, latestRecordId: no, personId: null, resources, previousRefs, learn: null, format: 'qd130', receivedAt: new Date(0) };
}

const entriesOf = (eps: EpisodeToLink[], unchanged?: Set<string>) => buildLinkBundle(eps, unchanged ? { unchanged } : {}).bundle.entry!;
const describeEntry = (e: BundleEntry) => `${e.request?.method} ${e.request?.url}`;

describe('splitEpisodes (LINK_MAX_BUNDLE_ENTRIES)', () => {
  it('fills Bundles up to the cap, counting a shared Organization once, in record-id order', () => {
    const eps = [episode(3, 0), episode(1, 0), episode(2, 0), episode(4, 0)];
    // Episode 1: 3 entries; each further one adds its Patient and Encounter (the Organization is there).
    const groups = splitEpisodes(eps, 5);
    expect(groups.map((g) => g.map((e) => e.latestRecordId))).toEqual([[1, 2], [3, 4]]);
    for (const g of groups) expect(entriesOf(g).length).toBeLessThanOrEqual(5);
  });

  it('never splits an episode: one larger than the cap goes alone in its own Bundle', () => {
    const eps = [episode(1, 0), episode(2, 6), episode(3, 0)];
    const groups = splitEpisodes(eps, 5);
    expect(groups.map((g) => g.map((e) => e.latestRecordId))).toEqual([[1], [2], [3]]);
    expect(entriesOf(groups[1]!)).toHaveLength(9);
  });

  it('counts the DELETEs of dropped Conditions, and none for a Condition another episode still sends', () => {
    const eps = [episode(1, 0, ['Condition/old1', 'Condition/old2']), episode(2, 0)];
    const groups = splitEpisodes(eps, 5);
    expect(groups.map((g) => g.length)).toEqual([1, 1]);
    expect(entriesOf(groups[0]!).map(describeEntry)).toEqual(['PUT Patient/p1', 'PUT Organization/o1', 'PUT Encounter/e1', 'DELETE Condition/old1', 'DELETE Condition/old2']);
    const resent = [episode(1, 0, ['Condition/c2-0']), episode(2, 1)];
    expect(splitEpisodes(resent, 6).map((g) => g.length)).toEqual([2]);
    expect(entriesOf(resent).filter((e) => e.request?.method === 'DELETE')).toEqual([]);
  });

  it('counts no entry for unchanged resources, so more episodes fit a Bundle', () => {
    const eps = [1, 2, 3, 4, 5].map((no) => episode(no, 0, [], 'p1'));
    const unchanged = new Set(['Organization/o1', 'Patient/p1']);
    const groups = splitEpisodes(eps, 3, unchanged);
    expect(groups.map((g) => g.length)).toEqual([3, 2]);
    for (const g of groups) expect(entriesOf(g, unchanged).map(describeEntry).every((d) => d.startsWith('PUT Encounter/'))).toBe(true);
  });

  it('gives no groups for no episodes and every episode exactly once', () => {
    expect(splitEpisodes([], 100)).toEqual([]);
    const eps = Array.from({ length: 40 }, (_, i) => episode(i + 1, i % 4));
    const groups = splitEpisodes(eps, 12);
    expect(groups.flat().map((e) => e.latestRecordId)).toEqual(eps.map((e) => e.latestRecordId));
    for (const g of groups) expect(g.length === 1 || entriesOf(g).length <= 12).toBe(true);
  });
});

describe('buildLinkBundle for an EHR', () => {
  it('writes absolute fullUrls from the EHR base URL (no trailing slash), request.url stays Type/id', () => {
    const base = fullUrlBase('https://ehr.example.vn/fhir/')!;
    expect(base).toBe('https://ehr.example.vn/fhir');
    const [first] = buildLinkBundle([episode(1, 0)], { base }).bundle.entry!;
    expect(first).toMatchObject({ fullUrl: 'https://ehr.example.vn/fhir/Patient/p1', request: { method: 'PUT', url: 'Patient/p1' } });
  });

  it('keeps relative fullUrls for an EHR without a URL (the built-in store in-process)', () => {
    expect(fullUrlBase('built-in FHIR store (in-process)')).toBeUndefined();
  });

  it('leaves out PUTs of unchanged resources but still refuses to DELETE them, and maps every ref to its episode', () => {
    const ep = episode(1, 1, ['Condition/c1-0', 'Condition/gone']);
    const { bundle, refsByEpisode } = buildLinkBundle([ep], { unchanged: new Set(['Organization/o1', 'Condition/c1-0']) });
    expect(bundle.entry!.map(describeEntry)).toEqual(['PUT Patient/p1', 'PUT Encounter/e1', 'DELETE Condition/gone']);
    expect(refsByEpisode.get(ep)).toEqual(['Patient/p1', 'Organization/o1', 'Encounter/e1', 'Condition/c1-0']);
  });

  it('does not DELETE a Condition another Bundle of the same push sends (keep)', () => {
    const { bundle } = buildLinkBundle([episode(1, 0, ['Condition/c9'])], { keep: new Set(['Condition/c9']) });
    expect(bundle.entry!.map(describeEntry)).not.toContain('DELETE Condition/c9');
  });
});
