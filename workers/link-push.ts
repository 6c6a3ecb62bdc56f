import type { Bundle, BundleEntry, FhirResource, OperationOutcome } from 'fhir/r4.js';
import type { Logger } from 'pino';
import type { Db } from '../db/pool.js';
import type { EpisodeToLink } from '../records/records.repo.js';
import type { CircuitBreaker } from '../resilience/circuit-breaker.js';
import { EhrError, type EhrClient } from './ehr-port.js';
import { describeFailure, ehrAnswerForLog, isTransient, type EhrAnswerLog } from './ehr-answer.js';
import { contentHash, ehrKey, loadSentHashes, lockSentRefs } from './ehr-sent.repo.js';
import { buildLinkBundle, fullUrlBase, splitEpisodes } from './link-bundle.js';

/** Entries per transaction Bundle when LINK_MAX_BUNDLE_ENTRIES is not set. */
export const DEFAULT_MAX_BUNDLE_ENTRIES = 100;
/** The built-in store's own limit per transaction (ehr-store/transaction.service.ts MAX_TRANSACTION_ENTRIES). */
const IN_PROCESS_MAX_ENTRIES = 10_000;

/**
 * Resources that need no lock of their own before they are sent: a Patient is locked with its
 * person (identity/person-index.repo.ts), an Encounter, its Conditions and Immunizations belong to
 * one episode (locked by records.repo.ts). The rest (the facility's Organization, a mother's
 * RelatedPerson, Provenance) may be sent by several jobs at once.
 */
const LOCKED_ELSEWHERE = new Set(['Patient', 'Encounter', 'Condition', 'Immunization']);

/** What pushing needs from the worker's dependencies. */
export interface PushDeps {
  ehr: EhrClient;
  breaker: CircuitBreaker;
  /** Most entries in one transaction Bundle (LINK_MAX_BUNDLE_ENTRIES); default 100. */
  maxBundleEntries?: number;
}

/** An episode the EHR accepted, with every "Type/id" it consists of now. */
export type LinkedEpisode = EpisodeToLink & { refs: string[] };
/** An episode the EHR refused: what is stored on its records (`error`) and what is logged (`answer`). */
export type RefusedEpisode = { episode: EpisodeToLink; error: unknown; answer: EhrAnswerLog | undefined };

/** The outcome of pushing a job's episodes. */
export interface PushResult {
  linked: LinkedEpisode[];
  failed: RefusedEpisode[];
  /** "Type/id" → content hash of every PUT the EHR accepted (to store), and the refs it deleted (to forget). */
  sent: Map<string, string>;
  deleted: Set<string>;
  /** A transient failure: the episodes neither linked nor failed are retried (their newest record ids in `pending`). */
  error?: unknown;
  pending: number[];
}

const typeOf = (ref: string) => ref.slice(0, ref.indexOf('/'));

/**
 * The refs whose every version among these episodes the EHR already holds (its stored hash is
 * equal): their PUTs are left out. Changed resources that no other lock covers are locked first
 * and their hashes read again, so concurrent jobs never leave a hash the server does not hold.
 */
async function unchangedRefs(db: Db, ehr: string, episodes: EpisodeToLink[]): Promise<{ unchanged: Set<string>; versions: Map<string, Set<string>> }> {
  const versions = new Map<string, Set<string>>();
  for (const ep of episodes) {
    for (const r of ep.resources) {
      const ref = `${r.resourceType}/${r.id}`;
      versions.set(ref, (versions.get(ref) ?? new Set()).add(contentHash(r)));
    }
  }
  const stored = await loadSentHashes(db, ehr, [...versions.keys()]);
  const isUnchanged = (ref: string) => versions.get(ref)!.size === 1 && versions.get(ref)!.has(stored.get(ref) ?? '');
  const toLock = [...versions.keys()].filter((ref) => !isUnchanged(ref) && !LOCKED_ELSEWHERE.has(typeOf(ref)));
  if (toLock.length > 0) {
    await lockSentRefs(db, ehr, toLock);
    const again = await loadSentHashes(db, ehr, toLock);
    for (const ref of toLock) {
      if (again.has(ref)) stored.set(ref, again.get(ref)!);
      else stored.delete(ref);
    }
  }
  return { unchanged: new Set([...versions.keys()].filter(isUnchanged)), versions };
}

/** Statuses of a DELETE that mean "already gone": done (http://hl7.org/fhir/R4/http.html#delete). */
const GONE = new Set([404, 410]);
const isDelete = (e: BundleEntry) => e.request?.method === 'DELETE';

/**
 * Send one transaction Bundle and check each entry's answer (http://hl7.org/fhir/R4/http.html#transaction-response):
 * a 4xx/5xx entry fails the push, except a DELETE answered 404 or 410 (the resource is gone: done).
 */
async function send(deps: PushDeps, bundle: Bundle): Promise<void> {
  const response = await deps.breaker.run(() => deps.ehr.transaction(bundle), isTransient);
  const answers = Array.isArray(response?.entry) ? response.entry : [];
  answers.forEach((answer, i) => {
    const status = Number.parseInt(String(answer?.response?.status ?? ''), 10);
    const request = bundle.entry?.[i];
    if (!(status >= 400) || (request && isDelete(request) && GONE.has(status))) return;
    const outcome = answer.response?.outcome?.resourceType === 'OperationOutcome' ? (answer.response.outcome as OperationOutcome) : undefined;
    throw new EhrError(`EHR answered ${status} to entry ${i} of the transaction`, status, outcome);
  });
}

/**
 * Send a Bundle; a server may answer a whole transaction 404/410 when one of its DELETEs finds
 * nothing (Medplum does). Then it is sent once more without the DELETEs, and each DELETE alone:
 * 404/410 means already gone (done); any other refusal leaves the stale resource, logged.
 * Returns the refs the EHR deleted (or had already).
 */
async function sendWithDeletes(deps: PushDeps, log: Logger, bundle: Bundle, records: number[]): Promise<string[]> {
  const entries = bundle.entry ?? [];
  const deletes = entries.filter(isDelete);
  try {
    await send(deps, bundle);
    return deletes.map((e) => e.request!.url);
  } catch (err) {
    if (!(err instanceof EhrError) || !GONE.has(err.status) || deletes.length === 0) throw err;
    log.warn({ records, deletes: deletes.length, ehr: ehrAnswerForLog(err) }, `EHR answered ${err.status} to a Bundle with DELETEs: sent again without them, then each DELETE alone`);
  }
  const rest = entries.filter((e) => !isDelete(e));
  if (rest.length > 0) await send(deps, { ...bundle, entry: rest });
  const done: string[] = [];
  for (const d of deletes) {
    try {
      await send(deps, { resourceType: 'Bundle', type: 'transaction', entry: [d] });
      done.push(d.request!.url);
    } catch (err) {
      if (err instanceof EhrError && GONE.has(err.status)) done.push(d.request!.url);
      else if (isTransient(err)) throw err;
      else log.warn({ records, delete: d.request!.url, ehr: ehrAnswerForLog(err) }, 'EHR refused a DELETE: the stale resource stays on the EHR');
    }
  }
  return done;
}

/**
 * Push a job's episodes: split into Bundles of at most `maxBundleEntries` entries (never an
 * episode across two), unchanged resources left out, each Bundle its own transaction. A 4xx for a
 * Bundle of several episodes is narrowed down episode by episode so one bad episode cannot block
 * the others; a transient failure stops the push (the Bundles already accepted stay linked).
 */
export async function pushEpisodes(db: Db, episodes: EpisodeToLink[], deps: PushDeps, log: Logger): Promise<PushResult> {
  const result: PushResult = { linked: [], failed: [], sent: new Map(), deleted: new Set(), pending: [] };
  if (episodes.length === 0) return result;
  const ehr = ehrKey(deps.ehr.baseUrl);
  const { unchanged, versions } = deps.ehr.inProcess ? { unchanged: new Set<string>(), versions: new Map<string, Set<string>>() } : await unchangedRefs(db, ehr, episodes);
  const keep = new Set(episodes.flatMap((e) => e.resources.map((r) => `${r.resourceType}/${r.id}`)));
  const opts = { unchanged, keep, ...(fullUrlBase(deps.ehr.baseUrl) ? { base: fullUrlBase(deps.ehr.baseUrl)! } : {}) };
  const push = async (eps: EpisodeToLink[]): Promise<LinkedEpisode[]> => {
    const { bundle, refsByEpisode } = buildLinkBundle(eps, opts);
    const records = eps.map((e) => e.latestRecordId);
    const entries = bundle.entry ?? [];
    if (entries.length === 0) log.debug({ records }, 'nothing changed since the last push: linked without a request');
    const deleted = entries.length > 0 ? await sendWithDeletes(deps, log, bundle, records) : [];
    for (const e of deps.ehr.inProcess ? [] : entries) {
      if (e.request?.method !== 'PUT' || !e.resource) continue;
      const hash = contentHash(e.resource as FhirResource);
      result.sent.set(e.request.url, hash);
      result.deleted.delete(e.request.url);
      // On the server now: the later Bundles of this push leave it out (the facility's Organization goes once).
      if (versions.get(e.request.url)?.size === 1 && versions.get(e.request.url)!.has(hash)) unchanged.add(e.request.url);
    }
    for (const ref of deleted) {
      result.sent.delete(ref);
      result.deleted.add(ref);
    }
    return eps.map((e) => ({ ...e, refs: refsByEpisode.get(e)! }));
  };
  const cap = deps.ehr.inProcess ? IN_PROCESS_MAX_ENTRIES : deps.maxBundleEntries ?? DEFAULT_MAX_BUNDLE_ENTRIES;
  const groups = splitEpisodes(episodes, cap, unchanged);
  for (const [i, group] of groups.entries()) {
    try {
      await pushGroup(group, push, result, log);
    } catch (err) {
      result.error = err;
      result.pending = groups.slice(i).flat().map((e) => e.latestRecordId).filter((id) => !result.linked.some((l) => l.latestRecordId === id) && !result.failed.some((f) => f.episode.latestRecordId === id));
      break;
    }
  }
  return result;
}

/** One Bundle's episodes: all at once, or after a 4xx one by one (transient failures are thrown). */
async function pushGroup(group: EpisodeToLink[], push: (eps: EpisodeToLink[]) => Promise<LinkedEpisode[]>, result: PushResult, log: Logger): Promise<void> {
  try {
    result.linked.push(...(await push(group)));
    return;
  } catch (err) {
    if (isTransient(err)) throw err;
    if (group.length === 1) {
      result.failed.push({ episode: group[0]!, error: describeFailure(err), answer: ehrAnswerForLog(err) });
      return;
    }
    log.warn({ records: group.map((e) => e.latestRecordId), ehr: ehrAnswerForLog(err) }, 'EHR refused the batch: pushing its episodes one by one');
  }
  for (const ep of group) {
    try {
      result.linked.push(...(await push([ep])));
    } catch (err) {
      if (isTransient(err)) throw err;
      result.failed.push({ episode: ep, error: describeFailure(err), answer: ehrAnswerForLog(err) });
    }
  }
}
