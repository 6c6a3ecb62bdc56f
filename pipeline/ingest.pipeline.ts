import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { DataKeyring } from '../db/encryption.js';
import { withTransaction } from '../db/pool.js';
import { forbidden, GatewayError, tooLarge } from '../errors/outcome.js';
import type { FormatMapper, FormatOptions } from '../mappers/contract.js';
import { quoteValue } from '../mappers/shared/quote.js';
import type { IngestedRecord, RecordOutcome } from '../records/model.js';
import { insertRecords, serializeRecordBatch } from '../records/records.repo.js';
import { facilityStoredBytes, finishSubmission, insertChunk, insertSubmission } from '../records/submissions.repo.js';
import { Utf8BodyDecoder } from './body-text.js';
import { processItem, type RecordStages } from './process-record.js';
import { spoolUpload, type Spool } from './spool.js';

/** Puts a batch of accepted records on the linkage queue under the given job id; returns the job id. */
export type EnqueueLink = (recordIds: number[], jobId: string) => Promise<string>;

/** Limits of one submission. */
export interface IngestLimits {
  /** Largest body, raw and after decompression (MAX_BODY_MB). */
  maxBodyBytes: number;
  maxRecordsPerSubmission: number;
  /** Largest single field, e.g. one NOIDUNGFILE (MAX_FIELD_MB). */
  maxFieldChars: number;
  /** Largest header field and largest other text node (MAX_HEADER_FIELD_KB, MAX_TEXT_NODE_KB). */
  maxHeaderChars?: number;
  maxTextChars?: number;
  /** Records per linkage job, and per INSERT. */
  linkBatchSize: number;
  /** Raw + parsed bytes one facility may store (FACILITY_QUOTA_MB); 0 = unlimited. */
  facilityQuotaBytes: number;
  spoolDir: string;
}

/** What the pipeline needs; passed in, never imported as singletons. */
export interface IngestDeps {
  /** The ingest pool (its own, so ingest cannot starve reads or audit writes). */
  pool: pg.Pool;
  stages: RecordStages;
  enqueueLink: EnqueueLink;
  log: Logger;
  limits: IngestLimits;
  /** Seals raw chunks and record payloads at rest (docs/data-at-rest.md); null only with DATA_ENCRYPTION=off. */
  keyring: DataKeyring | null;
}

/** Who submits: a facility key may only submit for its own facility. */
export interface IngestCaller {
  clientId: string | null;
  facility: string | null;
  contentType: string | null;
  /**
   * The number of records the caller knows the body holds (MLLP group commit: one per frame). Any
   * other count rolls the transaction back with {@link ItemCountMismatch}, so nothing is stored twice
   * when the caller then takes the frames one at a time.
   */
  expectItems?: number;
}

/** The body held another number of records than the caller expected; nothing was stored. */
export class ItemCountMismatch extends Error {
  constructor(readonly expected: number, readonly found: number) {
    super(`expected ${expected} records, the body holds ${found}`);
  }
}

/** The 202 answer of every ingest route. */
export interface IngestResult {
  submissionId: string;
  facility: string | null;
  records: RecordOutcome[];
  /** Formats that answer in their own protocol (`FormatMapper.answer`): each record's `MappedItem.reply`, in order. */
  replies?: unknown[];
}

const RAW_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * The one ingest pipeline every format goes through:
 * 1. spool the body to disk as it arrives (no pooled connection, no transaction while the network is slow);
 * 2. in one transaction, read the spool with the format's streaming reader, map each item (pure),
 *    run the identity stage, build and validate resources, insert rows in batches that already
 *    carry their queue job, store the raw bytes as they arrived, check the facility's quota, commit;
 * 3. queue the accepted records (the outbox relay catches what could not be queued), answer.
 * Nothing is acknowledged before it is committed. `options` are the format's own (`parseOptions`, e.g. CSV `kind`).
 */
export async function ingest(
  format: FormatMapper<unknown>,
  body: Readable,
  encoding: 'identity' | 'gzip',
  caller: IngestCaller,
  deps: IngestDeps,
  options: FormatOptions = {},
): Promise<IngestResult> {
  const spool = await spoolUpload(body, { dir: deps.limits.spoolDir, maxBytes: deps.limits.maxBodyBytes });
  try {
    // Two submissions about the same people may deadlock on the person index (or serialise badly):
    // the loser is rolled back whole and read again from the spool, which is still on disk.
    const { result, jobs } = await retryOnConflict(() => {
      const submissionId = randomUUID();
      return withTransaction(deps.pool, (client) => parseAndStore(format, spool, encoding, caller, submissionId, client, deps, options));
    });
    await queueJobs(jobs, deps);
    return result;
  } finally {
    await spool.remove().catch(() => undefined);
  }
}

async function parseAndStore(
  format: FormatMapper<unknown>,
  spool: Spool,
  encoding: 'identity' | 'gzip',
  caller: IngestCaller,
  submissionId: string,
  client: pg.PoolClient,
  deps: IngestDeps,
  options: FormatOptions,
): Promise<{ result: IngestResult; jobs: Array<{ ids: number[]; jobId: string }> }> {
  const { limits } = deps;
  await insertSubmission(client, {
    id: submissionId, format: format.format, clientId: caller.clientId, contentType: caller.contentType,
    contentEncoding: encoding, byteSize: spool.bytes, sha256: spool.sha256,
  });
  const result: IngestResult = { submissionId, facility: null, records: [] };
  const jobs: Array<{ ids: number[]; jobId: string }> = [];
  const items: unknown[] = [];
  const reader = format.createReader((item) => items.push(item), {
    maxItems: limits.maxRecordsPerSubmission, maxFieldChars: limits.maxFieldChars,
    ...(limits.maxHeaderChars ? { maxHeaderChars: limits.maxHeaderChars } : {}), ...(limits.maxTextChars ? { maxTextChars: limits.maxTextChars } : {}),
  }, options);
  let pending: IngestedRecord[] = [];
  let rowBytes = 0;

  const headerFacility = () => (typeof reader.header.facility === 'string' && reader.header.facility ? reader.header.facility : undefined);
  const checkFacility = () => {
    const f = headerFacility();
    if (f && caller.facility && f !== caller.facility) {
      throw forbidden(`this key submits for facility ${caller.facility}; the submission is from ${quoteValue(f)}`);
    }
  };
  const flush = async () => {
    if (pending.length === 0) return;
    const jobId = `ingest-${submissionId}-${jobs.length}`;
    const { json, storedBytes } = serializeRecordBatch(pending, submissionId, deps.keyring);
    pending = [];
    rowBytes += storedBytes;
    const ids = await insertRecords(client, submissionId, { json, jobId });
    if (ids.length) jobs.push({ ids, jobId });
  };
  const drain = async () => {
    checkFacility();
    // A format without an envelope facility (CSV without a facility column) falls back to the key's facility.
    const mapped = items.splice(0).map((raw) => format.mapItem(raw, { systems: deps.stages.systems, envelopeFacility: headerFacility() ?? caller.facility ?? '', options }));
    if (mapped.length === 0) return;
    // One identity session per batch: the registry is asked about the whole batch at once.
    const session = await deps.stages.identity.begin({ db: client, format: format.format, now: new Date() }, mapped.map((m) => m.facts));
    for (const item of mapped) {
      const record = await processItem(item, session, deps.stages, caller.facility);
      result.records.push({
        key: record.key, status: record.status, issues: record.issues,
        ...(record.warnings.length ? { warnings: record.warnings } : {}), ...(item.position ? { position: item.position } : {}),
      });
      if (format.answer) (result.replies ??= []).push(item.reply);
      pending.push(record);
      if (pending.length >= limits.linkBatchSize) await flush();
    }
  };

  const decoder = new Utf8BodyDecoder();
  let inflated = 0;
  const source: AsyncIterable<Buffer> = encoding === 'gzip' ? spool.open().pipe(gunzipQuietly()) : spool.open();
  try {
    for await (const chunk of source) {
      inflated += chunk.length;
      if (inflated > limits.maxBodyBytes) throw tooLarge(`body is larger than ${limits.maxBodyBytes} bytes once decompressed (MAX_BODY_MB)`);
      reader.write(decoder.decode(chunk));
      await drain();
    }
  } catch (err) {
    if (['Z_DATA_ERROR', 'Z_BUF_ERROR'].includes((err as { code?: string }).code ?? '')) throw new GatewayError(400, 'invalid', 'gzip body is corrupt');
    throw err;
  }
  reader.write(decoder.end());
  reader.end();
  await drain();
  format.checkEnd?.(reader.header, result.records.length);
  if (caller.expectItems !== undefined && caller.expectItems !== result.records.length) throw new ItemCountMismatch(caller.expectItems, result.records.length);
  await flush();

  result.facility = headerFacility() ?? caller.facility ?? null;
  const storedBytes = spool.bytes + rowBytes;
  if (limits.facilityQuotaBytes > 0 && result.facility) {
    const used = await facilityStoredBytes(client, result.facility);
    if (used + storedBytes > limits.facilityQuotaBytes) {
      throw new GatewayError(413, 'too-costly', `facility ${result.facility} would store ${used + storedBytes} bytes, over its quota of ${limits.facilityQuotaBytes} (FACILITY_QUOTA_MB); nothing was accepted`);
    }
  }
  await storeRaw(client, deps.keyring, submissionId, spool);
  await finishSubmission(client, submissionId, { facility: result.facility, recordCount: result.records.length, header: reader.header, storedBytes });
  return { result, jobs };
}

/** PostgreSQL deadlock_detected and serialization_failure: safe to run the whole transaction again. */
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 4;

/** Run a transaction again (after a short random wait) when PostgreSQL picked it as a deadlock victim. */
export async function retryOnConflict<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (attempt >= ATTEMPTS || !RETRYABLE.has((err as { code?: string }).code ?? '')) throw err;
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 80 * attempt));
    }
  }
}

function gunzipQuietly() {
  const gunzip = createGunzip();
  gunzip.on('error', () => undefined); // surfaced through the iterator, never as an unhandled event
  return gunzip;
}

/** The raw body exactly as it arrived, in 4 MB rows, each sealed on its own. */
async function storeRaw(client: pg.PoolClient, keyring: DataKeyring | null, submissionId: string, spool: Spool): Promise<void> {
  let seq = 0;
  let parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of spool.open() as AsyncIterable<Buffer>) {
    parts.push(chunk);
    size += chunk.length;
    if (size >= RAW_CHUNK_BYTES) {
      await insertChunk(client, keyring, submissionId, seq++, Buffer.concat(parts));
      parts = [];
      size = 0;
    }
  }
  if (size > 0) await insertChunk(client, keyring, submissionId, seq, Buffer.concat(parts));
}

/** Queue committed batches under their job ids; a queue outage is logged and left to the outbox relay. */
export async function queueJobs(jobs: Array<{ ids: number[]; jobId: string }>, deps: Pick<IngestDeps, 'enqueueLink' | 'log'>): Promise<void> {
  for (const { ids, jobId } of jobs) {
    try {
      // Bounded wait: with Redis down the answer must not hang; the relay queues these later.
      await Promise.race([
        deps.enqueueLink(ids, jobId),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('queue did not answer within 2 s')), 2000).unref()),
      ]);
    } catch (err) {
      deps.log.warn({ err: (err as Error).message, records: ids.length }, 'could not queue linkage; the relay will retry');
      return;
    }
  }
}
