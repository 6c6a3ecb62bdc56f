import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { countQueueWorkers } from '../../scripts/lib/bench-roles.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A gateway or worker as a real OS process (gateway/main.ts), so it can be killed with SIGKILL. */
export interface GatewayProcess {
  child: ChildProcess;
  pid: number;
  /** Base URL; nothing listens there for a ROLE=worker process. */
  url: string;
  /** CPU seconds (user + system) used so far; undefined once the process is gone. */
  cpuSeconds: () => number | undefined;
  kill: (signal?: NodeJS.Signals) => Promise<void>;
  /** The last few kB the process wrote to stderr (for failure messages). */
  stderr: () => string;
}

/** CPU seconds of `pid` from /proc/<pid>/stat (utime + stime, 100 ticks a second). */
function cpuSecondsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Poll until `ready()` is true; fails when the child exits or 30 s pass. */
async function waitReady(child: ChildProcess, ready: () => Promise<boolean>, what: string, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited: ${stderr()}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} did not start: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/**
 * Start `node --import tsx gateway/main.ts` with `env`; resolves when /health answers or, for a
 * ROLE=worker, when the queue (env QUEUE_PREFIX on env REDIS_URL) has `workersExpected` workers
 * (default: one more than before it started). `GATEWAY_TEST_STDOUT=FILE` appends the processes'
 * log lines to FILE when a fault test needs explaining.
 */
export async function spawnGateway(env: Record<string, string>, port?: number, workersExpected?: number): Promise<GatewayProcess> {
  const p = port ?? (await freePort());
  const isWorker = env.ROLE === 'worker';
  const redisUrl = env.REDIS_URL ?? process.env.REDIS_URL ?? '';
  const prefix = env.QUEUE_PREFIX ?? 'gw';
  const expected = isWorker ? workersExpected ?? (await countQueueWorkers(redisUrl, prefix)) + 1 : 0;
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(p) },
    stdio: ['ignore', process.env.GATEWAY_TEST_STDOUT ? openSync(process.env.GATEWAY_TEST_STDOUT, 'a') : 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr = (stderr + String(d)).slice(-4000); });
  const url = `http://127.0.0.1:${p}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  try {
    await waitReady(
      child,
      isWorker ? async () => (await countQueueWorkers(redisUrl, prefix)) >= expected : async () => (await fetch(`${url}/health`)).ok,
      isWorker ? 'worker' : 'gateway',
      () => stderr,
    );
  } catch (err) {
    await kill('SIGKILL');
    throw err;
  }
  return { child, pid: child.pid!, url, cpuSeconds: () => cpuSecondsOf(child.pid!), kill, stderr: () => stderr };
}

/** Start `count` ROLE=worker processes at once (`envFor(i)` each) and wait until all joined the queue. */
export async function spawnWorkers(count: number, envFor: (i: number) => Record<string, string>): Promise<GatewayProcess[]> {
  const first = envFor(0);
  const before = await countQueueWorkers(first.REDIS_URL ?? process.env.REDIS_URL ?? '', first.QUEUE_PREFIX ?? 'gw');
  const started = await Promise.allSettled(Array.from({ length: count }, (_, i) => spawnGateway({ ...envFor(i), ROLE: 'worker' }, undefined, before + count)));
  const ok = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(ok.map((w) => w.kill('SIGKILL')));
    throw (failed as PromiseRejectedResult).reason;
  }
  return ok;
}

/** Run scripts/services.sh with a sub-command against the test services (needs SVC_DIR). */
export function services(command: string): Promise<void> {
  const dir = process.env.SVC_DIR;
  if (!dir) throw new Error('SVC_DIR is not set: fault tests need services started by scripts/with-services.sh');
  return new Promise((resolve, reject) => {
    const c = spawn('bash', ['scripts/services.sh', command, dir], { cwd: ROOT, stdio: 'inherit' });
    c.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`services.sh ${command} exited ${code}`))));
  });
}
