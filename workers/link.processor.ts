import { UnrecoverableError, type Job, type Processor } from 'bullmq';
import type pg from 'pg';
import type { Logger } from 'pino';
import {
  loadEpisodesToLink, lockEpisodesOfRecords, markEpisodesFailed, markEpisodesLinked, recordAttemptFailure, type EpisodeToLink,
} from '../records/records.repo.js';
import { CircuitOpenError, type CircuitBreaker } from '../resilience/circuit-breaker.js';
import { EhrError, type EhrClient } from './ehr-port.js';
import { buildLinkBundle } from './link-bundle.js';
import { loadSharedPatients, withSharedPatients } from '../identity/shared-patients.repo.js';
import { countEventRecords, type PersonLearning } from '../identity/learning.js';
import { applyLearnings } from '../identity/learn-batch.js';
import { canonicalPersons, lockPersonKeys } from '../identity/person-index.repo.js';
import { reopenRecordsOfPersons } from '../records/review.repo.js';
import type { SharedSystems } from '../identity/shared-patient.js';

export { buildLinkBundle } from './link-bundle.js';
import type { LinkJobData, LinkJobResult } from './queues.js';

export interface LinkDeps {
  pool: pg.Pool;
  ehr: EhrClient;
  breaker: CircuitBreaker;
  log: Logger;
  attempts: number;
  /** Identifier systems of the shared Patients; absent: each record's own Patient is pushed as built (no person index). */
  sharedSystems?: SharedSystems;
}

function isTransient(err: unknown): boolean {
  return err instanceof CircuitOpenError || !(err instanceof EhrError) || err.retryable;
}

/** Longest text of an EHR's answer (or an error message) that reaches a log line. */
const LOG_TEXT_MAX = 200;
/** Issues of one OperationOutcome kept in a log line. */
const LOG_ISSUES_MAX = 10;

/**
 * Text fit for a log line: every run of 9 or more digits masked (a CCCD has 12, a CMND 9, a BHYT
 * card ends in 10; an EHR's diagnostics may echo them), then cut to 200 characters.
 */
export function logText(text: string, max = LOG_TEXT_MAX): string {
  const masked = text.replace(/\d{9,}/g, (run) => '#'.repeat(run.length));
  return masked.length > max ? `${masked.slice(0, max)}…` : masked;
}

/** The EHR's answer as logged: HTTP status (0: no answer) and each issue's severity, code, expression, diagnostics. */
export interface EhrAnswerLog {
  status: number;
  issues: Array<{ severity?: string; code?: string; expression?: string[]; diagnostics?: string }>;
}

/**
 * An EHR failure reduced for the log: the HTTP status and the OperationOutcome's issues
 * (http://hl7.org/fhir/R4/operationoutcome.html) with `logText` applied; never the Bundle, the
 * resources or anything else the EHR sent. Undefined for errors that are not EHR answers.
 */
export function ehrAnswerForLog(err: unknown): EhrAnswerLog | undefined {
  if (!(err instanceof EhrError)) return undefined;
  const issues = Array.isArray(err.outcome?.issue) ? err.outcome.issue.slice(0, LOG_ISSUES_MAX) : [];
  const text = (v: unknown) => (typeof v === 'string' ? logText(v) : undefined);
  return {
    status: err.status,
    issues: issues.map((i) => {
      const expression = Array.isArray(i.expression) ? i.expression.slice(0, 5).map(text).filter((e): e is string => !!e) : [];
      const [severity, code, diagnostics] = [text(i.severity), text(i.code), text(i.diagnostics)];
      return { ...(severity ? { severity } : {}), ...(code ? { code } : {}), ...(expression.length ? { expression } : {}), ...(diagnostics ? { diagnostics } : {}) };
    }),
  };
}

function describe(err: unknown): unknown {
  if (err instanceof EhrError) return err.outcome ?? { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient', diagnostics: err.message }] };
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient', diagnostics: (err as Error).message }] };
}

/**
 * The linkage worker. Under per-episode advisory locks it pushes the newest version of each episode
 * in one transaction Bundle and marks its records linked in the same database transaction.
 * Delivery is at-least-once; PUT with deterministic ids makes the effect exactly once.
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
    try {
      await client.query('BEGIN');
      const locked = await lockEpisodesOfRecords(client, ids);
      const episodes = await withPersonIndex(client, await loadEpisodesToLink(client, locked), deps.sharedSystems);
      const result = await pushEpisodes(episodes, deps, log);
      await markEpisodesLinked(client, result.linked);
      const failedRows: number[] = [];
      for (const f of result.failed) failedRows.push(await markEpisodesFailed(client, [f.episode], f.error));
      await client.query('COMMIT');
      result.failed.forEach((f, i) => log.warn({ facility: f.episode.facility, record: f.episode.latestRecordId, failedRecords: failedRows[i], ehr: f.answer }, 'EHR refused the record: its episode\'s open records failed'));
      return { linked: result.linked.length, failed: result.failed.length, skipped: ids.length - episodes.length };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? deps.attempts);
      const answer = ehrAnswerForLog(err);
      log[last ? 'error' : 'warn']({ records: ids, last, ...(answer ? { ehr: answer } : {}), err: logText((err as Error).message ?? String(err)) },
        last ? 'linkage gave up after the last attempt: records failed' : 'linkage attempt failed; retried with backoff');
      await recordAttemptFailure(deps.pool, ids, describe(err), last).catch(() => undefined);
      if (!last) throw err;
      throw new UnrecoverableError((err as Error).message);
    } finally {
      client.release();
    }
  };
}

/** An episode the EHR refused: what is stored on its records (`error`) and what is logged (`answer`). */
type RefusedEpisode = { episode: EpisodeToLink; error: unknown; answer: EhrAnswerLog | undefined };

async function pushEpisodes(
  episodes: EpisodeToLink[],
  deps: LinkDeps,
  log: Logger,
): Promise<{ linked: Array<EpisodeToLink & { refs: string[] }>; failed: RefusedEpisode[] }> {
  if (episodes.length === 0) return { linked: [], failed: [] };
  const push = (eps: EpisodeToLink[]) => {
    const { bundle, refsByEpisode } = buildLinkBundle(eps);
    return deps.breaker.run(() => deps.ehr.transaction(bundle), isTransient).then(() => eps.map((e) => ({ ...e, refs: refsByEpisode.get(e)! })));
  };
  try {
    return { linked: await push(episodes), failed: [] };
  } catch (err) {
    if (isTransient(err)) throw err;
    if (episodes.length === 1) return { linked: [], failed: [{ episode: episodes[0]!, error: describe(err), answer: ehrAnswerForLog(err) }] };
    log.warn({ records: episodes.map((e) => e.latestRecordId), ehr: ehrAnswerForLog(err) }, 'EHR refused the batch: pushing its episodes one by one');
  }
  // The EHR refused the batch (4xx): find the episodes it refuses, link the rest.
  const linked: Array<EpisodeToLink & { refs: string[] }> = [];
  const failed: RefusedEpisode[] = [];
  for (const ep of episodes) {
    try {
      linked.push(...(await push([ep])));
    } catch (err) {
      if (isTransient(err)) throw err;
      failed.push({ episode: ep, error: describe(err), answer: ehrAnswerForLog(err) });
    }
  }
  return { linked, failed };
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
