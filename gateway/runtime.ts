import type { Server } from 'node:http';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { FhirValidator } from '../profiles/validate.js';
import { createLinkQueue, enqueueLinkBatch } from '../workers/queues.js';
import { startRelay } from '../workers/outbox-relay.js';
import { startLinkWorker } from '../workers/start-worker.js';
import { createApp } from './app.js';
import { createApiKey, KeyVerifier } from './auth/api-keys.js';
import { seedDemoKeys } from './auth/demo-keys.js';
import type { Config } from './config.js';
import { revokeKey } from './store/keys.repo.js';
import { migrate } from './store/migrate.js';
import { createPool } from './store/pool.js';

/** A running gateway and/or worker; `stop()` shuts everything down in order. */
export interface Runtime {
  server?: Server;
  url: string;
  log: Logger;
  stop: () => Promise<void>;
}

/** Resource types the mapper produces; their validators are compiled at start. */
const PRODUCED_TYPES = ['Patient', 'Encounter', 'Condition', 'Organization'];

/**
 * Start what `config.role` asks for: the HTTP gateway (with the built-in FHIR store), the linkage
 * worker and outbox relay, or both in one process (the default for a small site).
 */
export async function startRuntime(config: Readonly<Config>, log: Logger = pino({ level: config.logLevel })): Promise<Runtime> {
  const runGateway = config.role !== 'worker';
  const runWorker = config.role !== 'gateway';
  const gatewayPool = createPool(config.databaseUrl, 20, 'fhir-gateway');
  const workerPool = runWorker ? createPool(config.databaseUrl, config.workerConcurrency + 4, 'fhir-gateway-worker') : gatewayPool;
  await migrate(gatewayPool);
  if (config.demo) await seedDemoKeys(gatewayPool, log);

  const queueConnection = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 });
  queueConnection.on('error', () => undefined);
  const queue = createLinkQueue(queueConnection, config.queuePrefix, { attempts: config.linkAttempts, backoffMs: config.linkBackoffMs });
  queue.on('error', () => undefined);
  const enqueueLink = (ids: number[]) => enqueueLinkBatch(queue, ids);

  let server: Server | undefined;
  let url = '';
  if (runGateway) {
    const validator = new FhirValidator().warm(PRODUCED_TYPES);
    const app = createApp({
      config, pool: gatewayPool, validator, enqueueLink, verifier: new KeyVerifier(gatewayPool), log, clock: () => new Date(),
      fhirBaseUrl: `http://${config.host}:${config.port}/fhir`,
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(config.port, config.host, () => resolve(s));
    });
    server.requestTimeout = 0; // large envelopes may take minutes to upload
    const address = server.address();
    url = typeof address === 'object' && address ? `http://${config.host}:${address.port}` : '';
    log.info({ url, role: config.role }, 'gateway listening');
  }

  let worker: ReturnType<typeof startLinkWorker> | undefined;
  let relay: ReturnType<typeof startRelay> | undefined;
  let internalKeyId: string | undefined;
  if (runWorker) {
    let ehrApiKey = config.ehrApiKey;
    if (!ehrApiKey) {
      // The worker links into the built-in store with its own short-lived linker key.
      const created = await createApiKey(workerPool, { role: 'linker', label: `internal-linker ${hostname()}:${process.pid}` });
      ehrApiKey = created.key;
      internalKeyId = created.id;
    }
    const ehrFhirUrl = config.ehrFhirUrl.replace(`:${config.port}/`, url ? `:${new URL(url).port}/` : `:${config.port}/`);
    worker = startLinkWorker({
      pool: workerPool, redisUrl: config.redisUrl, queuePrefix: config.queuePrefix, ehrFhirUrl, ehrApiKey,
      ehrTimeoutMs: config.ehrTimeoutMs, concurrency: config.workerConcurrency, lockMs: config.workerLockMs, attempts: config.linkAttempts,
      breakerFailures: config.breakerFailures, breakerCooldownMs: config.breakerCooldownMs, log,
    });
    relay = startRelay({ pool: workerPool, queue, log, staleMs: config.relayStaleMs, batchSize: config.linkBatchSize, intervalMs: config.relayIntervalMs });
    log.info({ ehr: ehrFhirUrl }, 'linkage worker started');
  }

  return {
    ...(server ? { server } : {}),
    url,
    log,
    async stop() {
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
      await relay?.stop();
      await worker?.close();
      await queue.close().catch(() => undefined);
      queueConnection.disconnect();
      if (internalKeyId) await revokeKey(workerPool, internalKeyId).catch(() => undefined);
      if (workerPool !== gatewayPool) await workerPool.end();
      await gatewayPool.end();
    },
  };
}
