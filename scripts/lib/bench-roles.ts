/**
 * The process layout of a scale-out run (ROLE=gateway / ROLE=worker processes on one PostgreSQL +
 * Redis), shared by the benchmark and the scale-out and fault tests: which roles to start, how to
 * tell that a worker has joined the queue, and how a worker reaches the FHIR store.
 */
import { Redis } from 'ioredis';
import { loadConfig } from '../../gateway/config.js';
import { LINK_QUEUE } from '../../workers/queues.js';

/** ROLE of one process. */
export type ProcessRole = 'all' | 'gateway' | 'worker';

/**
 * The roles to start: nothing asked = one ROLE=all process; N gateways and no workers = N ROLE=all
 * processes; otherwise N ROLE=gateway + M ROLE=worker.
 */
export function layoutRoles(gateways: number, workers: number): ProcessRole[] {
  if (gateways === 0 && workers === 0) return ['all'];
  if (gateways === 0) throw new Error('workers need at least one gateway to upload to');
  if (workers === 0) return Array.from({ length: gateways }, () => 'all' as const);
  return [...Array.from({ length: gateways }, () => 'gateway' as const), ...Array.from({ length: workers }, () => 'worker' as const)];
}

/** A short label such as `1 all` or `2 gateway + 2 worker`. */
export function describeLayout(roles: readonly ProcessRole[]): string {
  const counts = new Map<ProcessRole, number>();
  for (const r of roles) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([r, n]) => `${n} ${r}`).join(' + ');
}

/**
 * Linkage workers connected to the queue `prefix`: BullMQ names each worker's blocking Redis
 * connection `<prefix>:<base64 queue name>` (what Queue.getWorkers() reads), one per worker.
 */
export async function countQueueWorkers(redisUrl: string, prefix: string): Promise<number> {
  const name = `${prefix}:${Buffer.from(LINK_QUEUE).toString('base64')}`;
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const list = String(await redis.client('LIST'));
    return list.split('\n').filter((line) => line.split(' ').some((f) => f === `name=${name}` || f.startsWith(`name=${name}:w:`))).length;
  } finally {
    redis.disconnect();
  }
}

/**
 * How a ROLE=worker process writes into the built-in FHIR store:
 * - `in-process`: the target layout, no EHR_FHIR_URL, the worker writes into PostgreSQL itself;
 * - `gateway`: TEMPORARY FALLBACK while ROLE=worker still needs an HTTP FHIR endpoint — the worker
 *   gets EHR_FHIR_URL=<a gateway>/fhir and a `linker` EHR_API_KEY.
 */
export type WorkerEhrMode = 'in-process' | 'gateway';

/**
 * The worker EHR mode: `WORKER_EHR=in-process|gateway` if set, else `in-process` when the
 * configuration no longer gives a ROLE=worker a default EHR URL (the worker then writes in-process),
 * else the `gateway` FALLBACK. Delete the fallback once ROLE=worker writes in-process.
 */
export function workerEhrMode(env: Readonly<Record<string, string | undefined>> = process.env): WorkerEhrMode {
  const forced = env.WORKER_EHR;
  if (forced === 'in-process' || forced === 'gateway') return forced;
  if (forced) throw new Error(`WORKER_EHR must be in-process or gateway (got "${forced}")`);
  try {
    const probe = loadConfig({ DATABASE_URL: 'postgres://probe/probe', REDIS_URL: 'redis://probe', ROLE: 'worker', DATA_ENCRYPTION: 'off' });
    return probe.ehrFhirUrl ? 'gateway' : 'in-process';
  } catch {
    return 'gateway'; // cannot tell: the fallback works either way (EHR_FHIR_URL stays supported)
  }
}

/** Environment a worker needs in `mode`: nothing in-process; the FALLBACK's gateway URL and linker key otherwise. */
export function workerEhrEnv(mode: WorkerEhrMode, gatewayUrl: string, linkerKey: string): Record<string, string> {
  return mode === 'in-process' ? {} : { EHR_FHIR_URL: `${gatewayUrl}/fhir`, EHR_API_KEY: linkerKey };
}
