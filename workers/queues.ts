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

/** Retry policy of linkage jobs (exponential backoff: delay, 2×delay, 4×delay, …). */
export interface LinkRetryPolicy {
  attempts: number;
  backoffMs: number;
}

/** Create the producer side of the linkage queue. */
export function createLinkQueue(connection: Redis, prefix: string, retry: LinkRetryPolicy): Queue<LinkJobData, LinkJobResult> {
  return new Queue<LinkJobData, LinkJobResult>(LINK_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: retry.attempts,
      backoff: { type: 'exponential', delay: retry.backoffMs },
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 5000 },
    },
  });
}

/** Enqueue one batch; the job id is derived from the first record so a re-queue is visible in logs. */
export async function enqueueLinkBatch(queue: Queue<LinkJobData, LinkJobResult>, recordIds: number[], origin = 'ingest'): Promise<string> {
  const jobId = `${origin}-${recordIds[0]}-${recordIds.length}-${Date.now().toString(36)}`;
  await queue.add('link', { recordIds }, { jobId });
  return jobId;
}
