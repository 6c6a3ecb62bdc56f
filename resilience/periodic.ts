/**
 * Run an async pass every `intervalMs` until stopped; a pass still running when the next tick comes
 * is not started twice, a failing pass is reported and tried again at the next tick, and `stop()`
 * waits for the running pass. The timer never keeps the process alive on its own.
 */
export function runPeriodically(pass: () => Promise<unknown>, intervalMs: number, onError: (err: Error) => void): { stop: () => Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    running = pass().catch((err: Error) => onError(err)).finally(() => { busy = false; });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
