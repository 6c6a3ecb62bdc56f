import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';
import { CircuitBreaker } from '../resilience/circuit-breaker.js';
import type { EhrClient } from './ehr-port.js';
import { createLinkProcessor } from './link.processor.js';
import type { SharedSystems } from '../identity/shared-patient.js';
import { cappedBackoff, LINK_QUEUE, type LinkJobData, type LinkJobResult } from './queues.js';

export interface WorkerOptions {
  pool: pg.Pool;
  redisUrl: string;
  queuePrefix: string;
  /** The EHR client port: HTTP for a province's EHR, in-process for the built-in store. */
  ehr: EhrClient;
  ehrTimeoutMs: number;
  concurrency: number;
  lockMs: number;
  attempts: number;
  /** Ceiling of the retry backoff (LINK_BACKOFF_MAX_MS). */
  backoffMaxMs: number;
  breakerFailures: number;
  breakerCooldownMs: number;
  log: Logger;
  /** Identifier systems of the shared Patients (the person index); absent: records' own Patients are pushed. */
  sharedSystems?: SharedSystems;
  /** Most entries in one transaction Bundle (LINK_MAX_BUNDLE_ENTRIES); default 100. */
  maxBundleEntries?: number;
}

/** Start the BullMQ linkage worker; `close()` waits for running jobs to finish. */
export function startLinkWorker(o: WorkerOptions): { worker: Worker<LinkJobData, LinkJobResult>; breaker: CircuitBreaker; close: () => Promise<void> } {
  // BullMQ workers need maxRetriesPerRequest: null (blocking commands must not be cut short).
  const connection = new Redis(o.redisUrl, { maxRetriesPerRequest: null });
  connection.on('error', () => undefined); // reconnects by itself; errors are reported by BullMQ
  const ehr = o.ehr;
  const breaker = new CircuitBreaker(ehr.baseUrl, o.breakerFailures, o.breakerCooldownMs);
  const worker = new Worker<LinkJobData, LinkJobResult>(
    LINK_QUEUE,
    createLinkProcessor({ pool: o.pool, ehr, breaker, log: o.log, attempts: o.attempts, ...(o.sharedSystems ? { sharedSystems: o.sharedSystems } : {}), ...(o.maxBundleEntries ? { maxBundleEntries: o.maxBundleEntries } : {}) }),
    { connection, prefix: o.queuePrefix, concurrency: o.concurrency, settings: { backoffStrategy: cappedBackoff(o.backoffMaxMs) }, lockDuration: Math.max(o.lockMs, o.ehrTimeoutMs + 1000), stalledInterval: Math.max(o.lockMs, o.ehrTimeoutMs + 1000) },
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
