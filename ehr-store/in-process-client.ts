import type pg from 'pg';
import { GatewayError, toOperationOutcome } from '../errors/outcome.js';
import { EhrError, type EhrClient } from '../workers/ehr-port.js';
import { checkTransaction, executeTransaction } from './transaction.service.js';

/**
 * The EHR client port implemented in-process for the built-in store: the worker's transaction
 * Bundle goes straight to the store's transaction service on the same PostgreSQL, with no HTTP
 * round trip and no second schema validation (resources were validated once at ingest). Errors
 * keep the HTTP semantics of the store's /fhir endpoint, so retries and the breaker behave alike.
 */
export function createInProcessEhrClient(pool: pg.Pool, clock: () => Date = () => new Date()): EhrClient {
  return {
    baseUrl: 'built-in FHIR store (in-process)',
    inProcess: true,
    async transaction(bundle) {
      try {
        return await executeTransaction(pool, checkTransaction(bundle, null), clock());
      } catch (err) {
        const { status, outcome } = toOperationOutcome(err);
        const what = err instanceof GatewayError ? `built-in store refused the transaction (${status})` : `built-in store unavailable (${status})`;
        throw new EhrError(what, status, outcome);
      }
    },
  };
}
