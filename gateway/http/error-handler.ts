import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { notFound, toOperationOutcome } from '../../errors/outcome.js';

/** The single place where errors become HTTP: always an `application/fhir+json` OperationOutcome. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { status, outcome, headers } = toOperationOutcome(err);
    // No bodies or personal data in logs: route, status and the error class only.
    if (status >= 500) log.error({ err: { name: (err as Error)?.name, message: (err as Error)?.message, stack: (err as Error)?.stack }, path: req.path }, 'request failed');
    if (res.headersSent) return;
    res.status(status).set(headers).type('application/fhir+json').send(JSON.stringify(outcome));
  };
}

/** 404 for anything no route matched, as an OperationOutcome. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(notFound(`no route for ${req.method} ${req.path}`));
};
