import { UnrecoverableError, type Job, type Processor } from 'bullmq';
import type pg from 'pg';
import type { Logger } from 'pino';
import {
  loadEpisodesToLink, lockEpisodesOfRecords, markEpisodesFailed, markEpisodesLinked, recordAttemptFailure, type EpisodeToLink,
} from '../records/records.repo.js';
import { CircuitOpenError, type CircuitBreaker } from '../resilience/circuit-breaker.js';
import { EhrError, type EhrClient } from './ehr-port.js';
import { buildLinkBundle } from './link-bundle.js';

export { buildLinkBundle } from './link-bundle.js';
import type { LinkJobData, LinkJobResult } from './queues.js';

export interface LinkDeps {
  pool: pg.Pool;
  ehr: EhrClient;
  breaker: CircuitBreaker;
  log: Logger;
  attempts: number;
}

function isTransient(err: unknown): boolean {
  return err instanceof CircuitOpenError || !(err instanceof EhrError) || err.retryable;
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
    const client = await deps.pool.connect();
    try {
      await client.query('BEGIN');
      const locked = await lockEpisodesOfRecords(client, ids);
      const episodes = await loadEpisodesToLink(client, locked);
      const result = await pushEpisodes(episodes, deps);
      await markEpisodesLinked(client, result.linked);
      for (const f of result.failed) await markEpisodesFailed(client, [f.episode], f.error);
      await client.query('COMMIT');
      return { linked: result.linked.length, failed: result.failed.length, skipped: ids.length - episodes.length };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? deps.attempts);
      deps.log.warn({ job: job.id, attempt: job.attemptsMade + 1, last, err: (err as Error).message }, 'linkage attempt failed');
      await recordAttemptFailure(deps.pool, ids, describe(err), last).catch(() => undefined);
      if (!last) throw err;
      throw new UnrecoverableError((err as Error).message);
    } finally {
      client.release();
    }
  };
}

async function pushEpisodes(
  episodes: EpisodeToLink[],
  deps: LinkDeps,
): Promise<{ linked: Array<EpisodeToLink & { refs: string[] }>; failed: Array<{ episode: EpisodeToLink; error: unknown }> }> {
  if (episodes.length === 0) return { linked: [], failed: [] };
  const push = (eps: EpisodeToLink[]) => {
    const { bundle, refsByEpisode } = buildLinkBundle(eps);
    return deps.breaker.run(() => deps.ehr.transaction(bundle), isTransient).then(() => eps.map((e) => ({ ...e, refs: refsByEpisode.get(e)! })));
  };
  try {
    return { linked: await push(episodes), failed: [] };
  } catch (err) {
    if (isTransient(err)) throw err;
    if (episodes.length === 1) return { linked: [], failed: [{ episode: episodes[0]!, error: describe(err) }] };
  }
  // The EHR refused the batch (4xx): find the episodes it refuses, link the rest.
  const linked: Array<EpisodeToLink & { refs: string[] }> = [];
  const failed: Array<{ episode: EpisodeToLink; error: unknown }> = [];
  for (const ep of episodes) {
    try {
      linked.push(...(await push([ep])));
    } catch (err) {
      if (isTransient(err)) throw err;
      failed.push({ episode: ep, error: describe(err) });
    }
  }
  return { linked, failed };
}
