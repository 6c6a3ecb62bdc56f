import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Bundle, FhirResource } from 'fhir/r4.js';
import type pg from 'pg';
import type { FhirValidator } from '../profiles/validate.js';
import { GatewayError, notFound } from '../errors/outcome.js';
import { capabilityStatement } from './capability.js';
import { isTargetedSearch, searchBundle, SEARCH_PARAMS } from './search.service.js';
import { checkTransaction, executeTransaction, FHIR_ID } from './transaction.service.js';
import { readResource } from './fhir.repo.js';
import { jsonBody } from '../http-input/json-body.js';

const FHIR_JSON = 'application/fhir+json';
/** Deepest nesting of arrays and objects in a transaction Bundle (resources nest far less; beyond it 400). */
export const FHIR_MAX_JSON_DEPTH = 100;

function send(res: Response, status: number, body: unknown): void {
  res.status(status).type(FHIR_JSON).send(JSON.stringify(body));
}

/** The patient a resource belongs to, for the audit log (ids only). */
function patientOf(resource: FhirResource | undefined): string | undefined {
  if (!resource) return undefined;
  if (resource.resourceType === 'Patient') return `Patient/${resource.id}`;
  const ref = (resource as { subject?: { reference?: string }; patient?: { reference?: string } }).subject?.reference
    ?? (resource as { patient?: { reference?: string } }).patient?.reference;
  return ref?.startsWith('Patient/') ? ref : undefined;
}

/** The host's policy on how many patients a key may read (the gateway's ReadGuard). */
export interface ReadPolicy {
  /** Before a search; throws when an untargeted search is not allowed; true when it is a bulk read. */
  checkSearch(req: Request, targeted: boolean): boolean;
  /** Before answering with these patients' data; throws past the key's limit; true when it is a bulk read. */
  checkPatients(req: Request, patients: readonly string[]): Promise<boolean>;
}

/**
 * The built-in FHIR R4 EHR store: transaction, read, search, metadata. Reads are for the portal,
 * writes for the linker; both are audited by the app-level audit trail.
 */
export function fhirRoutes(deps: {
  pool: pg.Pool;
  validator: FhirValidator;
  baseUrl: string;
  maxBodyBytes: number;
  clock: () => Date;
  /** The host's role check (the gateway's API keys): the store does not own authentication. */
  authorize: (role: 'linker' | 'portal') => RequestHandler;
  /** Bulk-read policy; every read passes through it before data leaves. */
  reads: ReadPolicy;
}): Router {
  const router = Router();
  const requireRole = deps.authorize;
  const json = jsonBody({ types: [FHIR_JSON, 'application/json'], limit: deps.maxBodyBytes, maxDepth: FHIR_MAX_JSON_DEPTH });

  router.post('/', requireRole('linker'), ...json, async (req, res) => {
    const writes = checkTransaction(req.body, deps.validator);
    const response = await executeTransaction(deps.pool, writes, deps.clock());
    res.locals.audit = { resource: `Bundle/transaction(${writes.length})` };
    send(res, 200, response);
  });

  router.get('/:type/:id', requireRole('portal'), async (req, res) => {
    const type = req.params.type as string;
    const id = req.params.id as string;
    if (!Object.hasOwn(SEARCH_PARAMS, type)) throw notFound(`resource type ${type} is not served here`);
    if (!FHIR_ID.test(id)) throw new GatewayError(400, 'invalid', 'id must match [A-Za-z0-9-.]{1,64}', ['id']);
    const found = await readResource(deps.pool, type, id);
    res.locals.audit = { resource: `${type}/${id}` };
    if (!found) throw notFound(`${type}/${id} not found`);
    if (found.deleted) throw new GatewayError(410, 'deleted', `${type}/${id} was deleted`);
    const patient = patientOf(found.resource);
    res.locals.audit.returned = [`${type}/${id}`];
    if (patient) {
      res.locals.audit.patients = [patient];
      res.locals.audit.bulk = await deps.reads.checkPatients(req, [patient]);
    }
    const version = (found.resource as { meta?: { versionId?: string } }).meta?.versionId;
    if (version) res.set('ETag', `W/"${version}"`);
    send(res, 200, found.resource);
  });

  router.get('/:type', requireRole('portal'), async (req, res) => {
    const type = req.params.type as string;
    if (!Object.hasOwn(SEARCH_PARAMS, type)) throw notFound(`resource type ${type} is not served here`);
    const query = req.query as Record<string, unknown>;
    res.locals.audit = { resource: `${type}?search` };
    const untargeted = deps.reads.checkSearch(req, isTargetedSearch(type, query));
    const bundle: Bundle = await searchBundle(deps.pool, deps.baseUrl, type, query);
    const resources = (bundle.entry ?? []).map((e) => e.resource as FhirResource | undefined);
    const patients = [...new Set(resources.map(patientOf).filter((p): p is string => !!p))];
    res.locals.audit.returned = resources.flatMap((r) => (r?.id ? [`${r.resourceType}/${r.id}`] : []));
    res.locals.audit.patients = patients;
    res.locals.audit.bulk = (await deps.reads.checkPatients(req, patients)) || untargeted;
    send(res, 200, bundle);
  });

  return router;
}

/** `GET /fhir/metadata`, served without authentication as FHIR clients expect. */
export function metadataRoute(baseUrl: string, clock: () => Date): Router {
  const router = Router();
  router.get('/metadata', (_req, res) => send(res, 200, capabilityStatement(baseUrl, clock().toISOString())));
  return router;
}
