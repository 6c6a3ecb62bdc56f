import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

/**
 * One log line per request: method, path without the query string (search queries carry CCCD
 * numbers), status, duration, key id. No bodies, names or identifiers.
 */
export function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      log.info({ method: req.method, path: req.originalUrl.split('?')[0], status: res.statusCode, ms: Math.round(ms), key: req.principal?.keyId }, 'request');
    });
    next();
  };
}
