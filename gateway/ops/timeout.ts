/** A dependency did not answer in time (readiness checks, metric sources). */
export class TimeoutError extends Error {
  override name = 'TimeoutError' as const;
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/**
 * `promise`, or a TimeoutError after `ms`: a hung dependency never hangs a probe or a scrape.
 * The work itself is not cancelled (its late result is dropped), so callers bound it as well where
 * they can (statement_timeout, AbortSignal).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(ms)), ms);
    timer.unref();
  });
  promise.catch(() => undefined); // a late rejection after the timeout is not unhandled
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
