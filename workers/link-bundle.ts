import type { Bundle, BundleEntry, FhirResource } from 'fhir/r4.js';
import type { EpisodeToLink } from '../records/records.repo.js';

/** Resource types owned by one episode: stale ones are deleted when a resubmission drops them. */
const EPISODE_OWNED = new Set(['Condition']);

/** Build one transaction Bundle for several episodes: PUT with deterministic ids, newest version wins. */
export function buildLinkBundle(episodes: EpisodeToLink[]): { bundle: Bundle; refsByEpisode: Map<EpisodeToLink, string[]> } {
  const entries = new Map<string, BundleEntry>();
  const refsByEpisode = new Map<EpisodeToLink, string[]>();
  const ordered = [...episodes].sort((a, b) => a.latestRecordId - b.latestRecordId);
  for (const ep of ordered) {
    const refs = ep.resources.map((r: FhirResource) => `${r.resourceType}/${r.id}`);
    refsByEpisode.set(ep, refs);
    for (const r of ep.resources) {
      const ref = `${r.resourceType}/${r.id}`;
      entries.delete(ref); // keep insertion order of the newest
      entries.set(ref, { fullUrl: ref, resource: r, request: { method: 'PUT', url: ref } });
    }
  }
  for (const ep of ordered) {
    for (const old of ep.previousRefs) {
      if (!entries.has(old) && EPISODE_OWNED.has(old.split('/')[0]!)) entries.set(old, { request: { method: 'DELETE', url: old } });
    }
  }
  return { bundle: { resourceType: 'Bundle', type: 'transaction', entry: [...entries.values()] }, refsByEpisode };
}

