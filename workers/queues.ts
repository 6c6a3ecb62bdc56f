import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** The linkage queue: each job carries a batch of accepted record ids. */
export const LINK_QUEUE = 'fhir-link';

export interface LinkJobData {
  recordIds: number[];
}

export interface LinkJobResult {
  linked: number;
  failed: number;
  skipped: number;
}

/** Retry policy of linkage jobs (exponential backoff: delay, 2×delay, 4×delay, … up to a cap). */
export interface LinkRetryPolicy {
  attempts: number;
  backoffMs: number;
}

/** The backoff type of linkage jobs, computed by the worker's `cappedBackoff`. */
export const LINK_BACKOFF = 'capped-exponential';

/**
 * Exponential backoff with a ceiling and ±20 % jitter: without a ceiling, an outage of a minute
 * pushes the next attempt tens of minutes away, long after the EHR or PostgreSQL is back.
 */
export function cappedBackoff(maxMs: number, random: () => number = Math.random) {
  return (attemptsMade: number, _type?: string, _err?: Error, job?: { opts?: { backoff?: unknown } }): number => {
    const base = (job?.opts?.backoff as { delay?: number } | undefined)?.delay ?? 1000;
    const delay = Math.min(maxMs, base * 2 ** Math.max(0, attemptsMade - 1));
    return Math.round(delay * (0.8 + 0.4 * random()));
  };
}

/** Create the producer side of the linkage queue. */
export function createLinkQueue(connection: Redis, prefix: string, retry: LinkRetryPolicy): Queue<LinkJobData, LinkJobResult> {
  return new Queue<LinkJobData, LinkJobResult>(LINK_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: retry.attempts,
      backoff: { type: LINK_BACKOFF, delay: retry.backoffMs },
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 5000 },
    },
  });
}

/**
 * Enqueue one batch under a job id chosen by the caller: ingest picks it before the records are
 * inserted (so each row is written once, already naming its job); the relay and re-runs make their own.
 */
export async function enqueueLinkBatch(queue: Queue<LinkJobData, LinkJobResult>, recordIds: number[], jobId: string): Promise<string> {
  await queue.add('link', { recordIds }, { jobId });
  return jobId;
}
