import type { Bundle, BundleEntry, FhirResource } from 'fhir/r4.js';
import type { EpisodeToLink } from '../records/records.repo.js';

/** Resource types owned by one episode: stale ones are deleted when a resubmission drops them. */
const EPISODE_OWNED = new Set(['Condition']);

/** How a Bundle is written for one EHR. */
export interface LinkBundleOptions {
  /**
   * The EHR's base URL: each entry's fullUrl becomes `${base}/Type/id`, the absolute URL the
   * resource has on that server (http://hl7.org/fhir/R4/bundle-definitions.html#Bundle.entry.fullUrl).
   * Absent: fullUrl is `Type/id` (the built-in store, reached in-process, has no URL of its own).
   */
  base?: string;
  /** "Type/id" of resources the EHR already holds with this exact content: their PUT is left out. */
  unchanged?: ReadonlySet<string>;
  /** "Type/id" other Bundles of the same push still send: never DELETEd by this one. */
  keep?: ReadonlySet<string>;
}

/** The base for absolute fullUrls: an http(s) base URL without trailing slashes; undefined for anything else. */
export function fullUrlBase(baseUrl: string): string | undefined {
  return /^https?:\/\//i.test(baseUrl) ? baseUrl.replace(/\/+$/, '') : undefined;
}

const refOf = (r: FhirResource) => `${r.resourceType}/${r.id}`;
const byRecordId = (episodes: EpisodeToLink[]) => [...episodes].sort((a, b) => a.latestRecordId - b.latestRecordId);

/** The newest version of every resource the episodes send (the episode with the highest record id wins). */
export function newestResources(episodes: EpisodeToLink[]): Map<string, FhirResource> {
  const newest = new Map<string, FhirResource>();
  for (const ep of byRecordId(episodes)) for (const r of ep.resources) newest.set(refOf(r), r);
  return newest;
}

/**
 * Build one transaction Bundle (http://hl7.org/fhir/R4/http.html#transaction) for several
 * episodes: PUT with deterministic ids, newest version wins; a Condition a resubmission dropped is
 * DELETEd unless some episode of the Bundle still sends it. PUTs of `unchanged` resources are left
 * out (they still keep their Condition from being deleted). `refsByEpisode` is every resource each
 * episode consists of now, sent or unchanged.
 */
export function buildLinkBundle(episodes: EpisodeToLink[], opts: LinkBundleOptions = {}): { bundle: Bundle; refsByEpisode: Map<EpisodeToLink, string[]> } {
  const wanted = new Map<string, FhirResource>();
  const refsByEpisode = new Map<EpisodeToLink, string[]>();
  const ordered = byRecordId(episodes);
  for (const ep of ordered) {
    refsByEpisode.set(ep, ep.resources.map(refOf));
    for (const r of ep.resources) {
      const ref = refOf(r);
      wanted.delete(ref); // keep insertion order of the newest
      wanted.set(ref, r);
    }
  }
  const fullUrl = (ref: string) => (opts.base ? `${opts.base}/${ref}` : ref);
  const entries = new Map<string, BundleEntry>();
  for (const [ref, resource] of wanted) {
    if (!opts.unchanged?.has(ref)) entries.set(ref, { fullUrl: fullUrl(ref), resource, request: { method: 'PUT', url: ref } });
  }
  for (const ep of ordered) {
    for (const old of ep.previousRefs) {
      if (!wanted.has(old) && !entries.has(old) && !opts.keep?.has(old) && EPISODE_OWNED.has(old.split('/')[0]!)) entries.set(old, { request: { method: 'DELETE', url: old } });
    }
  }
  return { bundle: { resourceType: 'Bundle', type: 'transaction', entry: [...entries.values()] }, refsByEpisode };
}

/**
 * Split episodes into groups whose Bundles hold at most `maxEntries` entries, in record-id order;
 * an episode is never split across Bundles, and one larger than the cap goes alone in its own.
 * Counts what `buildLinkBundle` writes: shared resources once, `unchanged` ones not at all, DELETEs
 * of Conditions no episode of the group still sends.
 */
export function splitEpisodes(episodes: EpisodeToLink[], maxEntries: number, unchanged: ReadonlySet<string> = new Set()): EpisodeToLink[][] {
  const groups: EpisodeToLink[][] = [];
  let group: EpisodeToLink[] = [];
  let wanted = new Set<string>();
  let deletes = new Set<string>();
  let entries = 0;
  /** Entries the group's Bundle gains with this episode (a DELETE it now sends itself no longer counts). */
  const gain = (ep: EpisodeToLink) => {
    const refs = new Set(ep.resources.map(refOf));
    let n = 0;
    for (const ref of refs) if (!wanted.has(ref)) n += (unchanged.has(ref) ? 0 : 1) - (deletes.has(ref) ? 1 : 0);
    for (const ref of new Set(ep.previousRefs)) if (EPISODE_OWNED.has(ref.split('/')[0]!) && !deletes.has(ref) && !wanted.has(ref) && !refs.has(ref)) n += 1;
    return n;
  };
  for (const ep of byRecordId(episodes)) {
    if (group.length > 0 && entries + gain(ep) > maxEntries) {
      groups.push(group);
      [group, wanted, deletes, entries] = [[], new Set(), new Set(), 0];
    }
    entries += gain(ep);
    group.push(ep);
    for (const r of ep.resources) wanted.add(refOf(r));
    for (const ref of ep.previousRefs) if (EPISODE_OWNED.has(ref.split('/')[0]!)) deletes.add(ref);
  }
  if (group.length > 0) groups.push(group);
  return groups;
}
