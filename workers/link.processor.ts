import { UnrecoverableError, type Job, type Processor } from 'bullmq';
import type pg from 'pg';
import type { Logger } from 'pino';
import {
  loadEpisodesToLink, lockEpisodesOfRecords, markEpisodesFailed, markEpisodesLinked, recordAttemptFailure, type EpisodeToLink,
} from '../records/records.repo.js';
import type { CircuitBreaker } from '../resilience/circuit-breaker.js';
import type { EhrClient } from './ehr-port.js';
import { describeFailure, ehrAnswerForLog, logText } from './ehr-answer.js';
import { ehrKey, recordSent } from './ehr-sent.repo.js';
import { pushEpisodes } from './link-push.js';
import { loadSharedPatients, withSharedPatients } from '../identity/shared-patients.repo.js';
import { countEventRecords, type PersonLearning } from '../identity/learning.js';
import { applyLearnings } from '../identity/learn-batch.js';
import { canonicalPersons, lockPersonKeys } from '../identity/person-index.repo.js';
import { reopenRecordsOfPersons } from '../records/review.repo.js';
import type { SharedSystems } from '../identity/shared-patient.js';

export { buildLinkBundle, splitEpisodes } from './link-bundle.js';
export { ehrAnswerForLog, logText, type EhrAnswerLog } from './ehr-answer.js';
import type { LinkJobData, LinkJobResult } from './queues.js';

export interface LinkDeps {
  pool: pg.Pool;
  ehr: EhrClient;
  breaker: CircuitBreaker;
  log: Logger;
  attempts: number;
  /** Identifier systems of the shared Patients; absent: each record's own Patient is pushed as built (no person index). */
  sharedSystems?: SharedSystems;
  /** Most entries in one transaction Bundle (LINK_MAX_BUNDLE_ENTRIES); default 100. */
  maxBundleEntries?: number;
}

/**
 * The linkage worker. Under per-episode advisory locks it pushes the newest version of each episode
 * in transaction Bundles of at most `maxBundleEntries` entries (http://hl7.org/fhir/R4/http.html#transaction;
 * never one episode across two Bundles), leaving out resources the EHR already holds unchanged
 * (workers/link-push.ts), and marks the records of each accepted Bundle linked in one database
 * transaction. Delivery is at-least-once; PUT with deterministic ids makes the effect exactly once.
 * An EHR 4xx for a multi-episode Bundle is narrowed down episode by episode so one bad episode
 * cannot block the others; transient failures are retried with backoff and, after the last attempt,
 * the records become `failed` (dead letters an admin can re-run) with the EHR's OperationOutcome.
 */
export function createLinkProcessor(deps: LinkDeps): Processor<LinkJobData, LinkJobResult> {
  return async (job: Job<LinkJobData, LinkJobResult>) => {
    const ids = job.data.recordIds;
    // Every line of this job names it and its attempt; records by id, facilities by code, never personal data.
    const log = deps.log.child({ job: job.id, attempt: job.attemptsMade + 1 });
    const client = await deps.pool.connect();
    let open = false;
    try {
      await client.query('BEGIN');
      open = true;
      const locked = await lockEpisodesOfRecords(client, ids);
      const episodes = await withPersonIndex(client, await loadEpisodesToLink(client, locked), deps.sharedSystems);
      const result = await pushEpisodes(client, episodes, deps, log);
      // The EHR took nothing (down, breaker open): roll back, as if the job had not run.
      if (result.error !== undefined && result.linked.length === 0 && result.failed.length === 0) throw result.error;
      // What the EHR accepted is linked (and its content remembered) even when a later Bundle failed.
      await markEpisodesLinked(client, result.linked);
      if (!deps.ehr.inProcess) await recordSent(client, ehrKey(deps.ehr.baseUrl), result.sent, [...result.deleted]);
      const failedRows: number[] = [];
      for (const f of result.failed) failedRows.push(await markEpisodesFailed(client, [f.episode], f.error));
      await client.query('COMMIT');
      open = false;
      result.failed.forEach((f, i) => log.warn({ facility: f.episode.facility, record: f.episode.latestRecordId, failedRecords: failedRows[i], ehr: f.answer }, 'EHR refused the record: its episode\'s open records failed'));
      if (result.error !== undefined) {
        log.warn({ linked: result.linked.length, pending: result.pending }, 'a Bundle failed after others were accepted: the accepted episodes stay linked');
        throw result.error;
      }
      return { linked: result.linked.length, failed: result.failed.length, skipped: ids.length - episodes.length };
    } catch (err) {
      if (open) await client.query('ROLLBACK').catch(() => undefined);
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? deps.attempts);
      const answer = ehrAnswerForLog(err);
      log[last ? 'error' : 'warn']({ records: ids, last, ...(answer ? { ehr: answer } : {}), err: logText((err as Error).message ?? String(err)) },
        last ? 'linkage gave up after the last attempt: records failed' : 'linkage attempt failed; retried with backoff');
      await recordAttemptFailure(deps.pool, ids, describeFailure(err), last).catch(() => undefined);
      if (!last) throw err;
      throw new UnrecoverableError((err as Error).message);
    } finally {
      client.release();
    }
  };
}

/**
 * Each episode's Patients become their persons' shared Patients (every source's view merged by
 * the documented rules, identity/shared-patient.ts), so no single record overwrites another's.
 */
async function withPersonIndex(db: pg.PoolClient, episodes: EpisodeToLink[], systems: SharedSystems | undefined): Promise<EpisodeToLink[]> {
  if (!systems || episodes.length === 0) return episodes;
  const moved = episodes.map(toRecordPerson);
  const ids = moved.flatMap((e) => e.resources.filter((r) => r.resourceType === 'Patient').map((r) => r.id!));
  const learned = moved.filter((e) => e.learn);
  if (ids.length === 0 && learned.length === 0) return moved;
  // Every person this job writes or pushes, locked in one statement in a fixed order (no deadlock between workers).
  const learnedIds = learned.map((e) => (e.learn as PersonLearning).personId);
  const canonical = await canonicalPersons(db, [...new Set([...ids, ...learnedIds])]);
  await lockPersonKeys(db, [...ids, ...canonical.values(), ...learned.flatMap((e) => personsOf(e.learn as PersonLearning))].map((id) => `patient:${id}`));
  const merged = await learn(db, learned, canonical);
  // A re-key changes where ids point: read again; otherwise what was read under the locks holds.
  const shared = await loadSharedPatients(db, ids, systems, { locked: true, ...(merged ? {} : { canonical }) });
  return moved.map((e) => ({ ...e, resources: withSharedPatients(e.resources, shared) }));
}

/** The persons a learning writes: the person, the mother, the children of its births, the one it re-keys. */
function personsOf(l: PersonLearning): string[] {
  return [l.personId, ...(l.mother ? [l.mother.personId] : []), ...(l.births ?? []).map((b) => b.personId), ...(l.mergeFrom ? [l.mergeFrom] : [])];
}

/**
 * The person index learns from the records it links (the worker is its one writer): identifiers,
 * each source's view, demographics, infants; a re-key merges the temporary infant and reopens its
 * records so they are linked again to the Patient it became.
 */
async function learn(db: pg.PoolClient, episodes: EpisodeToLink[], canonical: Map<string, string>): Promise<boolean> {
  const items = episodes.map((e) => ({ learning: e.learn as PersonLearning, record: { facility: e.facility, resources: e.resources }, format: e.format, observedAt: e.receivedAt }));
  const merges = await applyLearnings(db, items, 'identity-stage', canonical);
  for (const m of merges) await countEventRecords(db, m.eventId, await reopenRecordsOfPersons(db, [m.from]));
  return merges.length > 0;
}

/**
 * A record moved to another person (a CCCD corrected after linking) still carries the Patient it
 * was built with: its first Patient, and every reference to it, become the record's person.
 */
function toRecordPerson(e: EpisodeToLink): EpisodeToLink {
  const main = e.resources.find((r) => r.resourceType === 'Patient')?.id;
  if (!e.personId || !main || main === e.personId) return e;
  const text = JSON.stringify(e.resources).split(`"Patient/${main}"`).join(`"Patient/${e.personId}"`);
  const resources = (JSON.parse(text) as EpisodeToLink['resources']).map((r) => (r.resourceType === 'Patient' && r.id === main ? { ...r, id: e.personId! } : r));
  return { ...e, resources };
}
