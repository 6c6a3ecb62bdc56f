/**
 * Per-destination circuit breaker: after `failures` consecutive transport/5xx failures the circuit
 * opens and calls fail fast for `cooldownMs`; then one trial call is let through (half-open).
 * Keeps a dead EHR from being hammered by every queued batch; the jobs back off and retry.
 */
export class CircuitBreaker {
  private consecutive = 0;
  private openUntil = 0;
  private trialInFlight = false;

  constructor(
    readonly destination: string,
    private readonly failures: number,
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): 'closed' | 'open' | 'half-open' {
    if (this.consecutive < this.failures) return 'closed';
    return this.now() < this.openUntil ? 'open' : 'half-open';
  }

  /** Throws CircuitOpenError instead of letting a call through while open. */
  async run<T>(fn: () => Promise<T>, isFailure: (err: unknown) => boolean): Promise<T> {
    const state = this.state;
    if (state === 'open' || (state === 'half-open' && this.trialInFlight)) {
      throw new CircuitOpenError(this.destination, Math.max(0, this.openUntil - this.now()));
    }
    if (state === 'half-open') this.trialInFlight = true;
    try {
      const result = await fn();
      this.consecutive = 0;
      return result;
    } catch (err) {
      if (isFailure(err)) {
        this.consecutive += 1;
        if (this.consecutive >= this.failures) this.openUntil = this.now() + this.cooldownMs;
      } else {
        this.consecutive = 0;
      }
      throw err;
    } finally {
      if (state === 'half-open') this.trialInFlight = false;
    }
  }
}

/** The breaker refused the call; the job retries later with backoff. */
export class CircuitOpenError extends Error {
  override name = 'CircuitOpenError' as const;
  constructor(destination: string, readonly retryInMs: number) {
    super(`circuit open for ${destination}; not calling for ${retryInMs} ms`);
  }
}
