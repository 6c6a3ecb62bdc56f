import { Router, type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { badRequest, notFound } from '../../errors/outcome.js';
import { jsonBody } from '../../http-input/json-body.js';
import { hubBodyLimit, parseHubRequest } from '../data-hub/hub-request.js';
import { errorAnswer } from '../data-hub/hub-results.js';
import { requireRole } from '../http/auth.js';
import { checkHubFacility, hubSubmissionStatus, receiveHubBatch, type DataHubDeps } from '../services/data-hub.service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The body is flat (an object holding an array of strings); a little room for vendors' extra fields. */
const HUB_MAX_JSON_DEPTH = 8;

/** What the data-hub routes need besides the service: the upload admission and the logger. */
export interface DataHubRouteDeps extends DataHubDeps {
  /** Admission control of upload memory (gateway/http/admission.ts), as for `/ingest`. */
  admit: RequestHandler;
  log: Logger;
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
 * `GET /tra-cuu-trang-thai/{maGiaoDich}`. Mounted at `/api/kcb/xml`; every answer is hub JSON.
 */
export function dataHubRoutes(deps: DataHubRouteDeps): Router {
  const router = Router();
  const body = jsonBody({ types: ['application/json'], limit: hubBodyLimit(deps.ingest.limits.maxBodyBytes), maxDepth: HUB_MAX_JSON_DEPTH });

  router.post('/guiHoSoXml', requireRole('facility', 'admin'), deps.admit, ...body, async (req, res) => {
    res.locals.auditAction = 'create'; // an upload, like POST /ingest/qd130
    const request = parseHubRequest(req.body);
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
    res.status(200).json(answer);
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
