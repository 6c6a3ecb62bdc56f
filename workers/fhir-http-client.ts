import { Client } from 'fhir-kit-client';
import type { Bundle, OperationOutcome } from 'fhir/r4.js';
import { EhrError, type EhrClient } from './ehr-port.js';

/**
 * The EHR client port over HTTP with fhir-kit-client, for a province's FHIR server (or this
 * gateway's /fhir from another machine). Every call has a timeout; errors become EhrError.
 */
export function createHttpEhrClient(opts: { baseUrl: string; apiKey?: string; timeoutMs: number }): EhrClient {
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
