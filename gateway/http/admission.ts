import type { Request, RequestHandler } from 'express';
import { GatewayError } from '../../errors/outcome.js';

/** Sizes of the shared upload memory budget (bytes). */
export interface AdmissionOptions {
  /** Memory all uploads together may hold (MAX_UPLOAD_MEMORY_MB). */
  totalBytes: number;
  /** Reserved per upload whose size is unknown: gzip, chunked, or larger than the estimate below (UPLOAD_MEMORY_PER_REQUEST_MB). */
  perUploadBytes: number;
  /** Retry-After of the 503 answer, seconds; default 5. */
  retryAfterSeconds?: number;
}

/** Gives a reservation back; calling it again does nothing. */
export type ReleaseFn = () => void;

/** Smallest reservation, so that many tiny uploads still count. */
const MIN_RESERVATION = 1024 * 1024;
/** Memory an uncompressed body of n bytes can cost at most while parsed (text, decoded base64, inner tables), as a multiple of n. */
const IDENTITY_FACTOR = 4;

/**
 * Admission control for the memory of all uploads together: each upload reserves a budget before its
 * body is read; when the budget is spent, new uploads get 503 + Retry-After (OperationOutcome code
 * `transient`) instead of running the process out of heap. The reservation is released when the
 * response finishes or the connection closes (client abort). RFC 9110 §15.6.4 (503), §10.2.3 (Retry-After).
 */
export class UploadAdmission {
  private used = 0;
  private readonly retryAfter: number;

  constructor(private readonly opts: AdmissionOptions) {
    if (!(opts.totalBytes > 0) || !(opts.perUploadBytes > 0)) throw new RangeError('admission budgets must be positive');
    this.retryAfter = opts.retryAfterSeconds ?? 5;
  }

  /** Bytes currently reserved. */
  get inUse(): number {
    return this.used;
  }

  /**
   * Reserve `bytes` (default the per-upload budget, at most the whole budget); returns the release
   * function, or undefined when the budget is spent. A reservation never exceeds the total, so one
   * upload is always admitted when nothing else runs.
   */
  tryReserve(bytes = this.opts.perUploadBytes): ReleaseFn | undefined {
    const want = Math.min(Math.max(bytes, 1), this.opts.totalBytes);
    if (this.used + want > this.opts.totalBytes) return undefined;
    this.used += want;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= want;
    };
  }

  /**
   * What an upload reserves: an uncompressed body with a declared length cannot hold more than a
   * small multiple of that length; anything else (gzip, chunked) may inflate to the largest field.
   */
  reservationFor(req: Request): number {
    const encoding = (req.get('content-encoding') ?? 'identity').toLowerCase();
    const declared = Number(req.get('content-length') ?? NaN);
    if (encoding === 'identity' && Number.isFinite(declared) && declared >= 0) {
      return Math.min(this.opts.perUploadBytes, Math.max(MIN_RESERVATION, declared * IDENTITY_FACTOR));
    }
    return this.opts.perUploadBytes;
  }

  /**
   * Express middleware for upload routes: reserve `bytesFor(req)` (default `reservationFor`, for
   * streamed bodies; a route that holds its body whole sizes its own) or answer 503; release on
   * finish or abort.
   */
  middleware(bytesFor: (req: Request) => number = (req) => this.reservationFor(req)): RequestHandler {
    return (req, res, next) => {
      const release = this.tryReserve(bytesFor(req));
      if (!release) {
        next(new GatewayError(503, 'transient',
          `the gateway is busy with other uploads (MAX_UPLOAD_MEMORY_MB); nothing was read or stored, retry in ${this.retryAfter} s`,
          undefined, { 'Retry-After': String(this.retryAfter) }));
        return;
      }
      // 'close' fires after 'finish', and also when the client goes away before the answer.
      res.once('close', release);
      next();
    };
  }
}
