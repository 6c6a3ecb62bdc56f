import type { Bundle, OperationOutcome } from 'fhir/r4.js';

/** A failed push to the EHR: status 0 means no answer (network error, timeout). */
export class EhrError extends Error {
  override name = 'EhrError' as const;
  constructor(
    message: string,
    readonly status: number,
    readonly outcome: OperationOutcome | undefined,
  ) {
    super(message);
  }

  /** 5xx, 408, 429 and transport errors are worth retrying; other 4xx mean the content must change. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/**
 * The EHR client port: the one thing linkage needs from an EHR, to submit a FHIR transaction
 * Bundle (http://hl7.org/fhir/R4/http.html#transaction). Two implementations: over HTTP with
 * fhir-kit-client for a province's EHR (workers/fhir-http-client.ts), and in-process for the
 * built-in store (ehr-store/in-process-client.ts). Failures are EhrError.
 */
export interface EhrClient {
  /** Where the records go, for logs and the circuit breaker. */
  readonly baseUrl: string;
  /**
   * The built-in store in this process: it recognises an unchanged PUT itself (no new version) and
   * takes up to 10,000 entries per transaction, so the worker neither keeps sent-content hashes
   * for it nor splits Bundles at LINK_MAX_BUNDLE_ENTRIES (each would only cost linkage time).
   */
  readonly inProcess?: boolean;
  transaction(bundle: Bundle): Promise<Bundle>;
}
