import type { Server } from 'node:http';
import { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { migrate } from '../db/migrate.js';
import { reindexStaleResources } from '../ehr-store/reindex.js';
import { createPool } from '../db/pool.js';
import { createInProcessEhrClient } from '../ehr-store/in-process-client.js';
import { personIndexStage } from '../identity/person-stage.js';
import { createPopulationRegistry } from '../identity/registry/index.js';
import { personSystems } from '../mappers/fhir/index.js';
import { startVerificationRetry } from '../pipeline/verification-retry.js';
import { startStatsFolder } from '../reporting/fold.js';
import { dataKeyring } from './data-keyring.js';
import { removeStaleSpools } from '../pipeline/spool.js';
import { FhirValidator } from '../profiles/validate.js';
import { syncRecordStatuses } from '../records/records.repo.js';
import { createHttpEhrClient } from '../workers/fhir-http-client.js';
import { startRelay } from '../workers/outbox-relay.js';
import { createLinkQueue, enqueueLinkBatch } from '../workers/queues.js';
import { startLinkWorker } from '../workers/start-worker.js';
import { startSupervisedWorkerThread } from './worker-thread-supervisor.js';
import { createApp, ingestDepsOf, type AppDeps } from './app.js';
import { startMllpListener, type MllpListener } from './mllp/listener.js';
import { KeyVerifier } from './auth/api-keys.js';
import { seedDemoKeys } from './auth/demo-keys.js';
import { ensureAdminUnits } from '../reporting/facilities/admin-units.js';
import { seedDemoFacilities } from '../reporting/facilities/demo.js';
import { ensureAuditPartitions } from './store/audit-partitions.repo.js';
import type { Config } from './config.js';
import { applyServerTimeouts } from './http/server-timeouts.js';
import { redisRateStore } from './http/rate-store.js';
import { auditHashKeyOf } from './store/audit.repo.js';
import { ehrCheck, postgresCheck, redisCheck } from './ops/checks.js';
import { createGatewayMetrics } from './ops/metrics.js';
import { createReadiness } from './ops/readiness.js';

/** A running gateway and/or worker; `stop()` shuts everything down in order. */
export interface Runtime {
  server?: Server;
  /** The MLLP listener's port, when MLLP_PORT is set. */
  mllpPort?: number;
  /** Every MLLP listener's port (MLLP_PORT first, then MLLP_PORTS). */
  mllpPorts: number[];
  url: string;
  log: Logger;
  stop: () => Promise<void>;
}

/** Resource types the builders produce; their validators are compiled at start. */
const PRODUCED_TYPES = ['Patient', 'Encounter', 'Condition', 'Organization', 'Immunization', 'RelatedPerson'];

/**
 * Start what `config.role` asks for: the HTTP gateway (ingest, administration, the built-in FHIR
 * store's routes), the linkage worker and outbox relay, or both in one process (a small site).
 * The worker reaches the EHR only through the EHR client port: in-process for the built-in store,
 * fhir-kit-client over HTTP when EHR_FHIR_URL names a province's EHR.
 */
export async function startRuntime(config: Readonly<Config>, log: Logger = pino({ level: config.logLevel })): Promise<Runtime> {
  const runGateway = config.role !== 'worker';
  const inThread = config.role === 'all' && config.linkWorkerThread;
  const runWorker = config.role !== 'gateway' && !inThread;
  // Reads, uploads, audit writes and linkage each get a pool, so none can starve the others.
  const readPool = createPool(config.databaseUrl, runGateway ? 16 : 2, 'fhir-gateway');
  const ingestPool = runGateway ? createPool(config.databaseUrl, 8, 'fhir-gateway-ingest') : undefined;
  const auditPool = runGateway ? createPool(config.databaseUrl, 4, 'fhir-gateway-audit') : undefined;
  const workerPool = runWorker ? createPool(config.databaseUrl, config.workerConcurrency * 2 + 4, 'fhir-gateway-worker') : undefined;
  if (!config.schemaReady) {
    await migrate(readPool);
    await syncRecordStatuses(readPool);
    // This month's and the next months' audit partitions (cheap; the maintenance command does the same).
    await ensureAuditPartitions(readPool);
    // Provinces and districts from the data files (reporting/data/), so areas have names.
    await ensureAdminUnits(readPool);
    // Stored resources indexed by an older release get the current search fields (ehr-store/reindex.ts).
    const reindexed = await reindexStaleResources(readPool);
    if (reindexed) log.info({ reindexed }, 'FHIR store: search fields indexed again');
  }
  if (config.demo) {
    await seedDemoKeys(readPool, log);
    await seedDemoFacilities(readPool);
  }

  const queueConnection = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 });
  queueConnection.on('error', () => undefined);
  const queue = createLinkQueue(queueConnection, config.queuePrefix, { attempts: config.linkAttempts, backoffMs: config.linkBackoffMs });
  queue.on('error', () => undefined);
  // bullmq checks the Redis version when the connection opens; a stop before that (or Redis down) must
  // not leave its rejection unhandled — the queue reports Redis trouble on each call anyway.
  queue.waitUntilReady().catch(() => undefined);
  const enqueueLink = (ids: number[], jobId: string) => enqueueLinkBatch(queue, ids, jobId);

  // The identity stage: the person index, registry verification as configured (docs/identity.md).
  const registry = createPopulationRegistry({
    mode: config.identity.verification, db: readPool, breakerFailures: config.identity.breakerFailures, breakerCooldownMs: config.identity.breakerCooldownMs,
    ...(config.identity.remote ? { remote: config.identity.remote } : {}),
  });
  const identity = personIndexStage({
    systems: config.systems, registry, thresholds: config.identity.thresholds,
  });
  // One set of compiled R4 validators for the gateway and the worker's re-checks (compiling costs seconds and memory).
  let validator: FhirValidator | undefined;
  const validatorOf = () => (validator ??= new FhirValidator().warm(PRODUCED_TYPES));
  const sharedSystems = { cccd: config.systems.cccd, bhyt: config.systems.bhyt, ...personSystems(config.systems) };

  let server: Server | undefined;
  const mllp: MllpListener[] = [];
  let url = '';
  if (runGateway) {
    // Spool files a crash left behind (an upload is spooled for at most REQUEST_TIMEOUT_MS).
    await removeStaleSpools(config.spoolDir, config.requestTimeoutMs * 2).catch(() => 0);
    const validator = validatorOf();
    const appDeps: AppDeps = {
      config, pool: readPool, validator, enqueueLink, verifier: new KeyVerifier(readPool), log, clock: () => new Date(),
      fhirBaseUrl: config.fhirBaseUrl, pools: { ingest: ingestPool!, audit: auditPool! },
      identity,
      auditHashKey: await auditHashKeyOf(readPool, config.auditHashKey),
      rateStore: redisRateStore(queueConnection, `${config.queuePrefix}:rl`, (err) => log.warn({ err: err.message }, 'rate limits held per process: Redis unreachable')),
      // Metrics from PostgreSQL and the queue at scrape time; probes of PostgreSQL, Redis and the EHR (docs/operations.md).
      ops: {
        metrics: createGatewayMetrics({ pool: readPool, queue, onSourceError: (source, err) => log.warn({ source, err: err.message }, 'metrics source unreadable') }),
        readiness: createReadiness([
          postgresCheck(readPool), redisCheck(queueConnection),
          ehrCheck(config.ehrFhirUrl ? { kind: 'external', baseUrl: config.ehrFhirUrl, ...(config.ehrApiKey ? { apiKey: config.ehrApiKey } : {}) } : { kind: 'built-in', pool: readPool }),
        ], (check, up, err) => (up ? log.info({ check }, 'readiness check up') : log.warn({ check, err: err?.message }, 'readiness check down'))),
      },
    };
    const app = createApp(appDeps);
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(config.port, config.host, () => resolve(s));
      applyServerTimeouts(s, config); // before 'listening', so node's checking interval follows the timeouts
    });
    const address = server.address();
    url = typeof address === 'object' && address ? `http://${config.host}:${address.port}` : '';
    log.info({ url, role: config.role }, 'gateway listening');
    // HL7 v2 over MLLP: the same ingest pipeline as POST /ingest/hl7v2; each port bound to one facility
    // (or to a facility per source address), MLLP_PORT first, then MLLP_PORTS.
    for (const listener of [...(config.mllp ? [config.mllp] : []), ...config.mllpPorts]) {
      const started = await startMllpListener({ ...listener, host: config.host }, ingestDepsOf(appDeps));
      mllp.push(started);
      log.info({ port: started.port, facility: listener.sources ? 'per source address' : listener.facility ?? 'any (DEMO)' }, 'mllp listening');
    }
  }

  let worker: ReturnType<typeof startLinkWorker> | undefined;
  let relay: ReturnType<typeof startRelay> | undefined;
  let verification: ReturnType<typeof startVerificationRetry> | undefined;
  if (runWorker && workerPool) {
    // No credential of the gateway's own ever leaves: an external EHR gets EHR_API_KEY or nothing.
    if (config.ehrFhirUrl && !config.ehrApiKey) log.warn({ ehr: config.ehrFhirUrl }, 'EHR_FHIR_URL is set without EHR_API_KEY: linkage requests carry no credentials');
    const ehr = config.ehrFhirUrl
      ? createHttpEhrClient({ baseUrl: config.ehrFhirUrl, ...(config.ehrApiKey ? { apiKey: config.ehrApiKey } : {}), timeoutMs: config.ehrTimeoutMs })
      : createInProcessEhrClient(workerPool);
    worker = startLinkWorker({
      pool: workerPool, redisUrl: config.redisUrl, queuePrefix: config.queuePrefix, ehr,
      ehrTimeoutMs: config.ehrTimeoutMs, concurrency: config.workerConcurrency, lockMs: config.workerLockMs, attempts: config.linkAttempts, backoffMaxMs: config.linkBackoffMaxMs,
      breakerFailures: config.breakerFailures, breakerCooldownMs: config.breakerCooldownMs, log, sharedSystems,
      maxBundleEntries: config.linkMaxBundleEntries,
    });
    {
      // Always: records left unverified by an earlier configuration are decided too (with VERIFICATION=off, as unverified no more).
      verification = startVerificationRetry({
        pool: workerPool, keyring: dataKeyring(config, log), log, intervalMs: Math.min(config.identity.verifyRetryMs, 30_000), verifyRetryMs: config.identity.verifyRetryMs,
        stages: { identity, validator: validatorOf(), systems: config.systems },
      });
    }
    relay = startRelay({ pool: workerPool, queue, log, staleMs: config.relayStaleMs, batchSize: config.linkBatchSize, intervalMs: config.relayIntervalMs });
    log.info({ ehr: ehr.baseUrl }, 'linkage worker started');
  }

  const thread = inThread ? await startSupervisedWorkerThread(config, log) : undefined;
  // Statistics counters: every process folds (one at a time, under an advisory lock), so a gateway-only
  // or worker-only deployment keeps its daily and monthly tables current either way.
  const folder = startStatsFolder(workerPool ?? readPool, log, config.statsFoldMs);

  return {
    ...(server ? { server } : {}),
    ...(mllp[0] ? { mllpPort: mllp[0].port } : {}),
    mllpPorts: mllp.map((l) => l.port),
    url,
    log,
    async stop() {
      await Promise.all(mllp.map((l) => l.close()));
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
      await thread?.stop();
      await folder.stop();
      await relay?.stop();
      await verification?.stop();
      await worker?.close();
      // Let bullmq finish opening first: closing mid-way drops its error listeners and its pending
      // version check then throws unhandled (a stop right after a start).
      await Promise.race([queue.waitUntilReady().catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
      await queue.close().catch(() => undefined);
      queueConnection.disconnect();
      for (const pool of [workerPool, ingestPool, auditPool, readPool]) await pool?.end();
    },
  };
}
