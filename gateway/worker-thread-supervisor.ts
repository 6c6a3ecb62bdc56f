import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Config } from './config.js';

/** Restart delays after the linkage thread dies: 1 s, doubling, at most 30 s. */
const RESTART_MIN_MS = 1000;
const RESTART_MAX_MS = 30_000;

/**
 * The linkage worker of a `ROLE=all` process, in its own thread (gateway/worker-thread.ts), kept
 * alive: a thread that dies (PostgreSQL not yet accepting connections while it starts, an
 * uncaught error, its heap ceiling) is logged and started again with a growing delay, so linkage
 * resumes by itself instead of leaving accepted records pending until an operator restarts the
 * process. Records are never lost either way: PostgreSQL holds them and the outbox relay re-queues.
 */
export async function startSupervisedWorkerThread(
  config: Readonly<Config>,
  log: Logger,
  entry: URL = new URL('./worker-thread.mjs', import.meta.url),
  restartMinMs = RESTART_MIN_MS,
): Promise<{ stop: () => Promise<void> }> {
  let current: Worker | undefined;
  let stopping = false;
  let delay = restartMinMs;
  let restartTimer: NodeJS.Timeout | undefined;

  const spawn = (): Promise<void> => {
    // The worker's heap holds a few link batches at a time; a ceiling keeps the process's RSS
    // bounded (a second V8 heap otherwise grows lazily to hundreds of MB on a long run).
    const thread = new Worker(entry, {
      workerData: { config: { ...config } },
      resourceLimits: { maxOldGenerationSizeMb: config.workerThreadHeapMb },
    });
    current = thread;
    let startedAt = 0;
    thread.on('error', (err) => log.error({ err: err.message }, 'linkage worker thread failed'));
    thread.once('exit', (code) => {
      if (current === thread) current = undefined;
      if (stopping) return;
      // A thread that ran for a while before dying restarts quickly; one that dies at start backs off.
      delay = startedAt && Date.now() - startedAt > RESTART_MAX_MS ? restartMinMs : delay;
      log.error({ code, restartInMs: delay }, 'linkage worker thread exited; restarting');
      restartTimer = setTimeout(() => {
        restartTimer = undefined;
        if (!stopping) spawn().catch(() => undefined);
      }, delay);
      delay = Math.min(delay * 2, RESTART_MAX_MS);
    });
    return new Promise<void>((resolve, reject) => {
      thread.once('message', () => {
        startedAt = Date.now();
        resolve();
      });
      thread.once('exit', (code) => reject(new Error(`linkage worker thread exited with code ${code}`)));
    });
  };

  await spawn().catch((err: Error) => log.error({ err: err.message }, 'linkage worker thread did not start; retrying'));
  return {
    async stop() {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      const thread = current;
      if (!thread) return;
      const stopped = new Promise<void>((resolve) => {
        thread.once('message', () => resolve());
        thread.once('exit', () => resolve());
      });
      thread.postMessage('stop');
      await stopped;
      await thread.terminate();
    },
  };
}
