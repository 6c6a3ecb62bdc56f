import type { NextFunction, Request, Response } from 'express';
import { GatewayError } from '../errors/outcome.js';

/** The one format served (http://hl7.org/fhir/R4/http.html#mime-type). */
export const FHIR_JSON = 'application/fhir+json';
const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json']);

/** Send a FHIR resource as JSON. */
export function sendFhir(res: Response, status: number, body: unknown): void {
  res.status(status).type(FHIR_JSON).send(JSON.stringify(body));
}

/**
 * 406 for a client that accepts only a format the store does not produce (`Accept:
 * application/fhir+xml`, `_format=xml`), instead of JSON it did not ask for
 * (http://hl7.org/fhir/R4/http.html#mime-type).
 */
export function requireJsonAcceptable(req: Request, _res: Response, next: NextFunction): void {
  const format = req.query._format;
  if (format !== undefined && (typeof format !== 'string' || !JSON_FORMATS.has(format.split(';')[0]!.trim()))) {
    return next(new GatewayError(406, 'not-supported', `_format ${String(format)} is not served: this server answers application/fhir+json only`, ['_format']));
  }
  if (req.headers.accept && !req.accepts([FHIR_JSON, 'application/json'])) {
    return next(new GatewayError(406, 'not-supported', `Accept: ${req.headers.accept} cannot be served: this server answers application/fhir+json only`));
  }
  next();
}

/** `Prefer: handling=lenient` (http://hl7.org/fhir/R4/search.html#errors): ignore unknown parameters. */
export function isLenient(req: Request): boolean {
  return /(^|[,;\s])handling\s*=\s*lenient\b/i.test(String(req.headers.prefer ?? ''));
}

/** ETag and Last-Modified of a read (http://hl7.org/fhir/R4/http.html#read). */
export function setVersionHeaders(res: Response, version: number | string | undefined, lastUpdated: Date | string | undefined): void {
  if (version !== undefined) res.set('ETag', `W/"${version}"`);
  if (lastUpdated !== undefined) res.set('Last-Modified', new Date(lastUpdated).toUTCString());
}

/**
 * The absolute base of /fhir for links and fullUrls: the configured one, else what the client
 * called (scheme — behind a proxy as TRUST_PROXY allows —, Host header and mount path).
 */
export function baseOf(req: Request, configured: string | undefined): string {
  return configured ?? `${req.protocol}://${req.get('host') ?? 'localhost'}${req.baseUrl}`;
}
