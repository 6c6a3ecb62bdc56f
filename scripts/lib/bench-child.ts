/**
 * A gateway and/or worker under test, run as a separate `node --import tsx gateway/main.ts` process so
 * its memory (and CPU, see bench-cpu.ts) can be read from /proc without the benchmark's own data in the figures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

/** Memory of a process from /proc/<pid>/status, in kB. */
export interface ProcMemory {
  /** Peak resident set size (VmHWM). */
  hwmKb: number;
  /** Current resident set size (VmRSS). */
  rssKb: number;
}

/** Read VmHWM/VmRSS of `pid` (`'self'` for this process); undefined when the process is gone. */
export function readProcMemory(pid: number | 'self'): ProcMemory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { hwmKb: kb('VmHWM'), rssKb: kb('VmRSS') };
  } catch {
    return undefined;
  }
}

/** A free TCP port on 127.0.0.1 (the OS picks; released before the child binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not get a free port'))));
    });
  });
}

/** A running gateway or worker child. */
export interface GatewayChild {
  pid: number;
  /** Name in messages, e.g. `gateway 1` or `worker 2`. */
  name: string;
  /** Base URL; empty for a ROLE=worker process (it does not listen). */
  url: string;
  /** Peak RSS seen so far (max of VmHWM and polled VmRSS), in kB. */
  peakRssKb(): number;
  /** Throws when the child has exited (with its last output lines). */
  assertAlive(): void;
  /** The last lines the child wrote. */
  tail(): string[];
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (or signal name). */
  stop(graceMs?: number): Promise<string>;
}

const TAIL_LINES = 40;
const FORWARD_LINES = 20;

/** Keep the last lines of the child's output and forward the first few to our stderr. */
function watchOutput(child: ChildProcess, tail: string[], name: string): void {
  let forwarded = 0;
  let suppressed = 0;
  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    if (forwarded < FORWARD_LINES) {
      forwarded++;
      process.stderr.write(`[${name}] ${line.slice(0, 500)}\n`);
    } else if (++suppressed % 1000 === 1) {
      process.stderr.write(`[${name}] … more output suppressed (${suppressed} lines so far)\n`);
    }
  };
  for (const stream of [child.stdout, child.stderr]) if (stream) createInterface({ input: stream }).on('line', onLine);
}

/** Poll `url/health` until it answers 200, the child dies, or `timeoutMs` passes. */
export async function waitHealthy(url: string, child: GatewayChild, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    child.assertAlive();
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`${child.name} did not become healthy within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Check that `pid` is the node process running gateway/main.ts (and not a wrapper such as npx). */
function assertIsGatewayNode(pid: number): void {
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  if (!cmdline.some((a) => a.endsWith('gateway/main.ts')) || !/node/.test(cmdline[0] ?? '')) {
    throw new Error(`pid ${pid} is not the gateway node process: ${cmdline.join(' ')}`);
  }
}

/** How to start one child and when it counts as ready. */
export interface ChildOptions {
  startTimeoutMs?: number;
  /** Name in messages (default `gateway`). */
  name?: string;
  /** Resolves when the child is ready; default: GET /health answers 200 (a worker passes its own check). */
  ready?: (child: GatewayChild, timeoutMs: number) => Promise<void>;
  /** Base URL of the child (default from env.PORT; empty for a worker). */
  url?: string;
}

/**
 * Start `node [nodeArgs] --import tsx gateway/main.ts` in `cwd` with `env` (which must include PORT) and wait
 * until it is ready (GET /health, unless `o.ready` says otherwise). Peak RSS is polled every 200 ms in
 * addition to the kernel's VmHWM.
 */
export async function startGatewayChild(cwd: string, env: Record<string, string>, nodeArgs: readonly string[] = [], o: ChildOptions = {}): Promise<GatewayChild> {
  const name = o.name ?? 'gateway';
  const startTimeoutMs = o.startTimeoutMs ?? 60_000;
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'gateway/main.ts'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn the ${name} process`);
  const tail: string[] = [];
  watchOutput(child, tail, name);
  let exit: string | undefined;
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve((exit = signal ?? `exit ${code}`))));
  let peakKb = 0;
  const sample = () => {
    const mem = readProcMemory(pid);
    if (mem) peakKb = Math.max(peakKb, mem.hwmKb || 0, mem.rssKb || 0);
  };
  const poller = setInterval(sample, 200);
  poller.unref();
  void exited.then(() => clearInterval(poller));

  const url = o.url ?? `http://127.0.0.1:${env.PORT}`;
  const handle: GatewayChild = {
    pid,
    name,
    url,
    peakRssKb: () => (sample(), peakKb),
    assertAlive() {
      if (exit !== undefined) throw new Error(`${name} process ended (${exit}); last output:\n  ${tail.join('\n  ')}`);
    },
    tail: () => [...tail],
    async stop(graceMs = 15_000) {
      if (exit !== undefined) return exit;
      sample();
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const how = await exited;
      clearTimeout(timer);
      return how;
    },
  };
  // Never leave the child behind, whatever way this process ends.
  process.once('exit', () => {
    if (exit === undefined) child.kill('SIGKILL');
  });
  try {
    await (o.ready ?? ((c, ms) => waitHealthy(url, c, ms)))(handle, startTimeoutMs);
    assertIsGatewayNode(pid);
  } catch (err) {
    await handle.stop(2000);
    throw err;
  }
  return handle;
}
