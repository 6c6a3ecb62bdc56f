import express, { Router, type Request, type RequestHandler } from 'express';
import type { Bundle, FhirResource } from 'fhir/r4.js';
import type pg from 'pg';
import type { FhirValidator } from '../profiles/validate.js';
import { badRequest, GatewayError, notFound } from '../errors/outcome.js';
import { capabilityStatement } from './capability.js';
import { parseSearch, searchBundle } from './search.service.js';
import { isServedType } from './search-params.js';
import { checkTransaction, executeTransaction, FHIR_ID } from './transaction.service.js';
import { readCurrent, readVersion, type StoredVersion } from './history.repo.js';
import { historyBundle } from './history.service.js';
import { patientEverything } from './everything.service.js';
import { baseOf, isLenient, requireJsonAcceptable, sendFhir as send, setVersionHeaders } from './fhir-http.js';
import { jsonBody } from '../http-input/json-body.js';

const FHIR_JSON = 'application/fhir+json';
/** Deepest nesting of arrays and objects in a transaction Bundle (resources nest far less; beyond it 400). */
export const FHIR_MAX_JSON_DEPTH = 100;
/** `POST {type}/_search` bodies (application/x-www-form-urlencoded, http://hl7.org/fhir/R4/http.html#search). */
const searchForm = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 100, type: 'application/x-www-form-urlencoded' });

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
  /** The public base of /fhir (FHIR_BASE_URL); undefined: taken from each request (scheme, Host, mount path). */
  baseUrl: string | undefined;
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
  router.use(requireJsonAcceptable);

  router.post('/', requireRole('linker'), ...json, async (req, res) => {
    const writes = checkTransaction(req.body, deps.validator);
    const response = await executeTransaction(deps.pool, writes, deps.clock());
    res.locals.audit = { resource: `Bundle/transaction(${writes.length})` };
    send(res, 200, response);
  });

  /** Audit and bulk-read check of resources about to leave, then the answer. */
  async function answer(req: Request, res: import('express').Response, resources: Array<FhirResource | undefined>, body: unknown, untargeted = false): Promise<void> {
    const patients = [...new Set(resources.map(patientOf).filter((p): p is string => !!p))];
    res.locals.audit.returned = resources.flatMap((r) => (r?.id ? [`${r.resourceType}/${r.id}`] : []));
    res.locals.audit.patients = patients;
    res.locals.audit.bulk = (await deps.reads.checkPatients(req, patients)) || untargeted;
    send(res, 200, body);
  }

  const served = (type: string) => {
    if (!isServedType(type)) throw notFound(`resource type ${type} is not served here`);
  };
  const checkId = (id: string) => {
    if (!FHIR_ID.test(id)) throw new GatewayError(400, 'invalid', 'id must match [A-Za-z0-9-.]{1,64}', ['id']);
  };
  const found = (v: StoredVersion | undefined, what: string): FhirResource => {
    if (!v) throw notFound(`${what} not found`);
    if (v.deleted || !v.resource) throw new GatewayError(410, 'deleted', `${what} was deleted`);
    return v.resource;
  };

  async function search(req: Request, res: import('express').Response, query: Record<string, unknown>): Promise<void> {
    const type = req.params.type as string;
    served(type);
    res.locals.audit = { resource: `${type}?search` };
    const plan = parseSearch(type, query, isLenient(req));
    const untargeted = deps.reads.checkSearch(req, plan.targeted);
    const bundle: Bundle = await searchBundle(deps.pool, baseOf(req, deps.baseUrl), plan);
    await answer(req, res, (bundle.entry ?? []).map((e) => e.resource as FhirResource | undefined), bundle, untargeted);
  }

  router.get('/:type/_history', requireRole('portal'), async (req, res) => {
    const type = req.params.type as string;
    served(type);
    res.locals.audit = { resource: `${type}/_history` };
    const untargeted = deps.reads.checkSearch(req, type === 'Organization');
    const bundle = await historyBundle(deps.pool, baseOf(req, deps.baseUrl), type, undefined, req.query as Record<string, unknown>, isLenient(req));
    await answer(req, res, (bundle.entry ?? []).map((e) => e.resource as FhirResource | undefined), bundle, untargeted);
  });

  router.get('/:type/:id/_history/:vid', requireRole('portal'), async (req, res) => {
    const { type, id, vid } = req.params as Record<string, string>;
    served(type!);
    checkId(id!);
    if (!/^\d{1,9}$/.test(vid!)) throw badRequest('the version id must be a number', ['vid']);
    res.locals.audit = { resource: `${type}/${id}/_history/${vid}` };
    const version = await readVersion(deps.pool, type!, id!, Number(vid));
    const resource = found(version, `${type}/${id} version ${vid}`);
    setVersionHeaders(res, version!.version, version!.lastUpdated);
    await answer(req, res, [resource], resource);
  });

  router.get('/:type/:id/:operation', requireRole('portal'), async (req, res) => {
    const { type, id, operation } = req.params as Record<string, string>;
    served(type!);
    checkId(id!);
    const query = req.query as Record<string, unknown>;
    if (operation === '_history') {
      res.locals.audit = { resource: `${type}/${id}/_history` };
      const bundle = await historyBundle(deps.pool, baseOf(req, deps.baseUrl), type!, id, query, isLenient(req));
      if (!bundle.total) throw notFound(`${type}/${id} not found`);
      return answer(req, res, (bundle.entry ?? []).map((e) => e.resource as FhirResource | undefined), bundle);
    }
    if (operation === '$everything' && type === 'Patient') {
      res.locals.audit = { resource: `Patient/${id}/$everything` };
      const bundle = await patientEverything(deps.pool, baseOf(req, deps.baseUrl), id!, query, isLenient(req));
      return answer(req, res, (bundle.entry ?? []).map((e) => e.resource as FhirResource | undefined), bundle);
    }
    throw notFound(`${type}/${id}/${operation} is not an operation served here (Patient/{id}/$everything, {type}/{id}/_history)`);
  });

  router.post('/:type/_search', requireRole('portal'), searchForm, async (req, res) => {
    if (!req.is('application/x-www-form-urlencoded') && Number(req.headers['content-length'] ?? 0) > 0) {
      throw new GatewayError(415, 'not-supported', 'POST _search takes application/x-www-form-urlencoded');
    }
    const form = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
    const query = { ...(req.query as Record<string, unknown>) };
    for (const [k, v] of Object.entries(form)) query[k] = k in query ? [query[k], v].flat() : v;
    await search(req, res, query);
  });

  router.get('/:type/:id', requireRole('portal'), async (req, res) => {
    const { type, id } = req.params as Record<string, string>;
    served(type!);
    checkId(id!);
    res.locals.audit = { resource: `${type}/${id}` };
    const current = await readCurrent(deps.pool, type!, id!);
    const resource = found(current, `${type}/${id}`);
    setVersionHeaders(res, current!.version, current!.lastUpdated);
    await answer(req, res, [resource], resource);
  });

  router.get('/:type', requireRole('portal'), (req, res) => search(req, res, req.query as Record<string, unknown>));

  return router;
}

/** `GET /fhir/metadata`, served without authentication as FHIR clients expect. */
export function metadataRoute(baseUrl: string | undefined, clock: () => Date): Router {
  const router = Router();
  router.get('/metadata', requireJsonAcceptable, (req, res) => send(res, 200, capabilityStatement(baseOf(req, baseUrl), clock().toISOString())));
  return router;
}
