/**
 * The linkage worker of a `ROLE=all` process, in a thread of its own (node:worker_threads): one
 * process still runs everything for a small site, but ingest and linkage no longer share one
 * event loop and one heap, so a 2-core machine uses both cores. The thread runs the same code as
 * a `ROLE=worker` process; it stops when the main thread posts 'stop'. The main thread applied the migrations already and
 * restarts this thread if it dies (gateway/worker-thread-supervisor.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import type { Config } from './config.js';
import { startRuntime } from './runtime.js';

const config = { ...(workerData as { config: Config }).config, role: 'worker', demo: false, linkWorkerThread: false, schemaReady: true } as Config;
const runtime = await startRuntime(config, pino({ level: config.logLevel, redact: ['req.headers.authorization', 'req.headers["x-api-key"]'] }));
parentPort!.postMessage('started');
parentPort!.on('message', (message) => {
  if (message !== 'stop') return;
  runtime.stop().then(() => parentPort!.postMessage('stopped'), () => parentPort!.postMessage('stopped'));
});
