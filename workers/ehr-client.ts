import { Client } from 'fhir-kit-client';
import type { Bundle, OperationOutcome } from 'fhir/r4.js';

/** A failed push to the EHR: status 0 means no HTTP answer (network error, timeout). */
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

/** The one thing linkage needs from an EHR: submit a FHIR transaction Bundle. */
export interface EhrClient {
  readonly baseUrl: string;
  transaction(bundle: Bundle): Promise<Bundle>;
}

/**
 * EHR client over fhir-kit-client (the same HTTP path whether the EHR is this gateway's own /fhir
 * store or a province's server). Every call has a timeout; errors become EhrError.
 */
export function createEhrClient(opts: { baseUrl: string; apiKey?: string; timeoutMs: number }): EhrClient {
  const client = new Client({ baseUrl: opts.baseUrl, ...(opts.apiKey ? { bearerToken: opts.apiKey } : {}) });
  return {
    baseUrl: opts.baseUrl,
    async transaction(bundle) {
      try {
        const body = bundle as unknown as Parameters<typeof client.transaction>[0]['body'];
        return (await client.transaction({ body, options: { signal: AbortSignal.timeout(opts.timeoutMs) } })) as unknown as Bundle;
      } catch (err) {
        const e = err as { response?: { status?: number; data?: unknown }; name?: string; message?: string };
        const status = e.response?.status ?? 0;
        const data = e.response?.data as OperationOutcome | undefined;
        const outcome = data && typeof data === 'object' && data.resourceType === 'OperationOutcome' ? data : undefined;
        const what = status ? `EHR answered ${status}` : `EHR unreachable (${e.name === 'TimeoutError' ? 'timeout' : e.message ?? 'network error'})`;
        throw new EhrError(what, status, outcome);
      }
    },
  };
}
