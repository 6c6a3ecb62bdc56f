import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';
import { CircuitBreaker } from './circuit-breaker.js';
import { createEhrClient } from './ehr-client.js';
import { createLinkProcessor } from './link.processor.js';
import { LINK_QUEUE, type LinkJobData, type LinkJobResult } from './queues.js';

export interface WorkerOptions {
  pool: pg.Pool;
  redisUrl: string;
  queuePrefix: string;
  ehrFhirUrl: string;
  ehrApiKey: string | undefined;
  ehrTimeoutMs: number;
  concurrency: number;
  lockMs: number;
  attempts: number;
  breakerFailures: number;
  breakerCooldownMs: number;
  log: Logger;
}

/** Start the BullMQ linkage worker; `close()` waits for running jobs to finish. */
export function startLinkWorker(o: WorkerOptions): { worker: Worker<LinkJobData, LinkJobResult>; breaker: CircuitBreaker; close: () => Promise<void> } {
  // BullMQ workers need maxRetriesPerRequest: null (blocking commands must not be cut short).
  const connection = new Redis(o.redisUrl, { maxRetriesPerRequest: null });
  connection.on('error', () => undefined); // reconnects by itself; errors are reported by BullMQ
  const ehr = createEhrClient({ baseUrl: o.ehrFhirUrl, ...(o.ehrApiKey ? { apiKey: o.ehrApiKey } : {}), timeoutMs: o.ehrTimeoutMs });
  const breaker = new CircuitBreaker(o.ehrFhirUrl, o.breakerFailures, o.breakerCooldownMs);
  const worker = new Worker<LinkJobData, LinkJobResult>(
    LINK_QUEUE,
    createLinkProcessor({ pool: o.pool, ehr, breaker, log: o.log, attempts: o.attempts }),
    { connection, prefix: o.queuePrefix, concurrency: o.concurrency, lockDuration: Math.max(o.lockMs, o.ehrTimeoutMs + 1000), stalledInterval: Math.max(o.lockMs, o.ehrTimeoutMs + 1000) },
  );
  worker.on('error', (err) => o.log.warn({ err: err.message }, 'worker error'));
  return {
    worker,
    breaker,
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
