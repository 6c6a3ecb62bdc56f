import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4.js';
import { isMappingError } from '../mappers/errors.js';

type IssueType = OperationOutcomeIssue['code'];

/** An error that becomes an HTTP status and a FHIR OperationOutcome (the only way routes fail). */
export class GatewayError extends Error {
  override name = 'GatewayError';
  constructor(
    readonly status: number,
    readonly code: IssueType,
    message: string,
    readonly expression?: string[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, expression?: string[]) => new GatewayError(400, 'invalid', message, expression);
export const notFound = (message: string) => new GatewayError(404, 'not-found', message);
export const unauthorized = (message: string) =>
  new GatewayError(401, 'login', message, undefined, { 'WWW-Authenticate': 'Bearer realm="fhir-gateway"' });
export const forbidden = (message: string) => new GatewayError(403, 'forbidden', message);
export const conflict = (message: string) => new GatewayError(409, 'conflict', message);
export const tooLarge = (message: string) => new GatewayError(413, 'too-costly', message);
export const unprocessable = (message: string, expression?: string[]) => new GatewayError(422, 'processing', message, expression);
export const tooManyRequests = (retryAfterSeconds: number) =>
  new GatewayError(429, 'throttled', `rate limit exceeded; retry after ${retryAfterSeconds} s`, undefined, { 'Retry-After': String(retryAfterSeconds) });

/** Build an OperationOutcome with one issue per message. */
export function operationOutcome(
  issues: Array<{ severity?: OperationOutcomeIssue['severity']; code: IssueType; diagnostics: string; expression?: string[] }>,
): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map((i) => ({
      severity: i.severity ?? 'error',
      code: i.code,
      diagnostics: i.diagnostics,
      ...(i.expression?.length ? { expression: i.expression } : {}),
    })),
  };
}

/** Turn any thrown value into (status, OperationOutcome); unexpected errors give 500 without internals. */
export function toOperationOutcome(err: unknown): { status: number; outcome: OperationOutcome; headers: Record<string, string> } {
  if (err instanceof GatewayError) {
    return {
      status: err.status,
      headers: err.headers,
      outcome: operationOutcome([{ code: err.code, diagnostics: err.message, ...(err.expression ? { expression: err.expression } : {}) }]),
    };
  }
  if (isMappingError(err)) {
    const status = err.code === 'too-costly' ? 413 : err.code === 'not-supported' ? 415 : 400;
    return { status, headers: {}, outcome: operationOutcome([{ code: err.code, diagnostics: err.message, expression: [err.location] }]) };
  }
  const e = err as { type?: string; status?: number; statusCode?: number } | undefined;
  if (e?.type === 'entity.too.large') return { status: 413, headers: {}, outcome: operationOutcome([{ code: 'too-costly', diagnostics: 'request body is larger than this endpoint accepts' }]) };
  if (e?.type === 'entity.parse.failed') return { status: 400, headers: {}, outcome: operationOutcome([{ code: 'structure', diagnostics: 'request body is not valid JSON' }]) };
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return { status: 415, headers: {}, outcome: operationOutcome([{ code: 'not-supported', diagnostics: 'unsupported content encoding or charset' }]) };
  if (isUnavailable(err)) {
    return { status: 503, headers: { 'Retry-After': '5' }, outcome: operationOutcome([{ code: 'transient', diagnostics: 'storage is temporarily unavailable; nothing was accepted, retry later' }]) };
  }
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, headers: {}, outcome: operationOutcome([{ code: 'invalid', diagnostics: 'bad request' }]) };
  }
  return { status: 500, headers: {}, outcome: operationOutcome([{ code: 'exception', diagnostics: 'internal error; the incident is logged' }]) };
}

/** PostgreSQL unreachable or shutting down (connection refused/reset, SQLSTATE class 08, 57P0x). */
function isUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  if (!e) return false;
  if (typeof e.code === 'string' && (/^08/.test(e.code) || /^57P0/.test(e.code) || ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(e.code))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(e.message ?? '');
}
