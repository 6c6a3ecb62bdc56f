import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

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
  url: string;
  kill: (signal?: NodeJS.Signals) => Promise<void>;
}

/** Start `node --import tsx gateway/main.ts` with `env`; resolves when /health answers (or, for workers, when started). */
export async function spawnGateway(env: Record<string, string>, port?: number): Promise<GatewayProcess> {
  const p = port ?? (await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(p) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr = (stderr + String(d)).slice(-4000); });
  const url = `http://127.0.0.1:${p}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  if (env.ROLE === 'worker') {
    await new Promise((r) => setTimeout(r, 2500));
  } else {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`gateway exited: ${stderr}`);
      try {
        if ((await fetch(`${url}/health`)).ok) break;
      } catch { /* not up yet */ }
      if (Date.now() > deadline) throw new Error(`gateway did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  return {
    child,
    url,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null) child.kill(signal);
      await exited;
    },
  };
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
