import { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { badRequest, notFound, tooLarge } from '../../errors/outcome.js';
import { jsonBody } from '../../http-input/json-body.js';
import { declaredBodyBytes, hubBodyLimit, hubReservation, tooLargeReason, type BodyHeaders, type HubBodyLimit } from '../data-hub/hub-limits.js';
import { parseHubRequest } from '../data-hub/hub-request.js';
import { batchHttp, errorAnswer } from '../data-hub/hub-results.js';
import type { UploadAdmission } from '../http/admission.js';
import { requireRole } from '../http/auth.js';
import { checkHubFacility, hubSubmissionStatus, receiveHubBatch, type DataHubDeps } from '../services/data-hub.service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The body is flat (an object holding an array of strings); a little room for vendors' extra fields. */
const HUB_MAX_JSON_DEPTH = 8;

/** What the data-hub routes need besides the service: the upload admission, the body limit and the logger. */
export interface DataHubRouteDeps extends DataHubDeps {
  /** Admission control of upload memory (gateway/http/admission.ts), shared with `/ingest`. */
  admission: UploadAdmission;
  /** DATA_HUB_MAX_BODY_MB and MAX_UPLOAD_MEMORY_MB, bytes (the envelope limit is `ingest.limits.maxBodyBytes`). */
  limits: { hubMaxBodyBytes: number; uploadMemoryBytes: number };
  log: Logger;
}

const bodyHeadersOf = (req: Request): BodyHeaders => ({ contentLength: req.get('content-length'), contentEncoding: req.get('content-encoding') });

/**
 * Size and memory of a guiHoSoXml body, before anything is read: a declared length over the limit
 * is 413; otherwise the request reserves about 4 × its size of upload memory (hub-limits.ts), or
 * gets 503 + Retry-After. A chunked or gzip body over the limit is cut by the parser, with the same 413.
 */
function sizeGuards(admission: UploadAdmission, limit: HubBodyLimit): { before: RequestHandler[]; after: ErrorRequestHandler } {
  const refuseDeclared: RequestHandler = (req, _res, next) => {
    const declared = declaredBodyBytes(bodyHeadersOf(req));
    next(declared !== undefined && declared > limit.bytes ? tooLarge(tooLargeReason(limit, declared)) : undefined);
  };
  const admit = admission.middleware((req) => hubReservation(bodyHeadersOf(req), limit.bytes));
  const nameLimit: ErrorRequestHandler = (err, _req, _res, next) => {
    next((err as { type?: string })?.type === 'entity.too.large' ? tooLarge(tooLargeReason(limit)) : err);
  };
  return { before: [refuseDeclared, admit], after: nameLimit };
}

/** The key's facility for a facility key ('' if it names none, so nothing matches), null for admin keys. */
function keyFacilityOf(req: Request): string | null {
  return req.principal?.role === 'facility' ? req.principal.facility ?? '' : null;
}

/**
 * Errors of the hub routes answered in the hub's JSON (`maKetQua` = the HTTP status, `thongBao`,
 * `chiTiet`): statuses and reasons come from the one mapping every route uses
 * (`toOperationOutcome`), only the shape differs, so a HIS client reads every answer the same way.
 */
function hubErrors(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { status, headers, body } = errorAnswer(err);
    if (status >= 500) log.error({ err: { name: (err as Error)?.name, message: (err as Error)?.message, stack: (err as Error)?.stack }, path: req.path }, 'request failed');
    if (res.headersSent) return;
    res.status(status).set(headers).json(body);
  };
}

/**
 * The provincial data-hub contract on top of the ingest pipeline (docs/formats/data-hub.md):
 * `POST /guiHoSoXml` (JSON with base64 GIAMDINHHS envelopes, one submission per file) and
 * `GET /tra-cuu-trang-thai/{maGiaoDich}`. Mounted at `/api/kcb/xml`; every answer of the router,
 * the admission 503 included, is hub JSON (401, 429 and 408 come before it, as OperationOutcomes).
 */
export function dataHubRoutes(deps: DataHubRouteDeps): Router {
  const router = Router();
  const limit = hubBodyLimit({ ...deps.limits, maxBodyBytes: deps.ingest.limits.maxBodyBytes });
  const body = jsonBody({ types: ['application/json'], limit: limit.bytes, maxDepth: HUB_MAX_JSON_DEPTH });
  const size = sizeGuards(deps.admission, limit);

  router.post('/guiHoSoXml', requireRole('facility', 'admin'), ...size.before, ...body, size.after, async (req: Request, res: Response) => {
    res.locals.auditAction = 'create'; // an upload, like POST /ingest/qd130
    const request = parseHubRequest(req.body);
    req.body = undefined; // the request holds the files now, and lets go of each once decoded
    res.locals.auditQuery = { facility: request.maCSKCB, format: `qd130 loaiHoSo=${request.loaiHoSo}` };
    try {
      checkHubFacility(keyFacilityOf(req), request.maCSKCB);
    } catch (err) {
      res.locals.auditAction = 'denied';
      throw err;
    }
    const answer = await receiveHubBatch(deps, request, req.principal?.keyId ?? null);
    res.locals.audit = {
      resource: `batch/${answer.batchId}`,
      returned: answer.fileResults.flatMap((f) => (f.maGiaoDich ? [`submission/${f.maGiaoDich}`] : [])),
    };
    const { status, headers } = batchHttp(answer);
    res.status(status).set(headers).json(answer);
  });

  router.get('/tra-cuu-trang-thai/:maGiaoDich', requireRole('facility', 'admin'), async (req, res) => {
    const id = req.params.maGiaoDich as string;
    if (!UUID.test(id)) throw badRequest('maGiaoDich must be the UUID a guiHoSoXml answer gave', ['maGiaoDich']);
    res.locals.audit = { resource: `submission/${id}` };
    res.json(await hubSubmissionStatus(deps, id, keyFacilityOf(req)));
  });

  router.use((req, _res, next) => next(notFound(`no route for ${req.method} ${req.baseUrl}${req.path}`)));
  router.use(hubErrors(deps.log));
  return router;
}
