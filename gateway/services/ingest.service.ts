import { createHash, randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from 'pino';
import { mapQd130Episode, Qd130EnvelopeReader, type EnvelopeHoso } from '../../mappers/qd130/index.js';
import { MappingError } from '../../mappers/errors.js';
import type { IdentifierSystems, RecordIssue } from '../../mappers/types.js';
import type { FhirValidator } from '../../profiles/validate.js';
import { forbidden, tooLarge } from '../errors.js';
import { finishSubmission, insertChunk, insertRecords, insertSubmission, type NewRecord } from '../store/submissions.repo.js';
import { markQueued } from '../store/linkage.repo.js';

/** Puts accepted records on the linkage queue; returns the job id. */
export type EnqueueLink = (recordIds: number[]) => Promise<string>;

/** What ingest needs; passed in, never imported as singletons. */
export interface IngestDeps {
  pool: pg.Pool;
  validator: FhirValidator;
  enqueueLink: EnqueueLink;
  log: Logger;
  systems: IdentifierSystems;
  maxBodyBytes: number;
  maxRecordsPerSubmission: number;
  linkBatchSize: number;
}

/** Who submits: a facility key may only submit for its own MA_CSKCB. */
export interface IngestCaller {
  clientId: string | null;
  facility: string | null;
  contentType: string | null;
}

/** The 202 answer of `POST /ingest/qd130`. */
export interface IngestResult {
  submissionId: string;
  facility: string | null;
  records: Array<{ key: string; status: 'accepted' | 'rejected'; issues: RecordIssue[] }>;
}

const RAW_CHUNK_BYTES = 4 * 1024 * 1024;
const RECORD_BATCH = 250;

/**
 * Ingest a QĐ 130 envelope as it streams in: the raw bytes and one row per episode are written in one
 * PostgreSQL transaction that commits before we answer (nothing acknowledged is lost); memory stays
 * bounded by a few MB of raw buffer plus one batch of episodes. Accepted episodes are queued for
 * linkage after the commit; if Redis is down, the outbox relay queues them later.
 */
export async function ingestQd130(body: AsyncIterable<Buffer>, caller: IngestCaller, deps: IngestDeps): Promise<IngestResult> {
  const submissionId = randomUUID();
  const client = await deps.pool.connect();
  const result: IngestResult = { submissionId, facility: null, records: [] };
  const accepted: number[] = [];
  try {
    await client.query('BEGIN');
    await insertSubmission(client, { id: submissionId, format: 'qd130', clientId: caller.clientId, contentType: caller.contentType });

    const hosos: EnvelopeHoso[] = [];
    const reader = new Qd130EnvelopeReader((h) => hosos.push(h), {
      maxHoso: deps.maxRecordsPerSubmission,
      maxFileChars: Math.max(deps.maxBodyBytes, 1024),
    });
    const hash = createHash('sha256');
    const decoder = new TextDecoder('utf-8');
    let raw: Buffer[] = [];
    let rawBytes = 0;
    let total = 0;
    let chunkSeq = 0;
    let pending: NewRecord[] = [];

    const flushRaw = async () => {
      if (rawBytes === 0) return;
      await insertChunk(client, submissionId, chunkSeq++, Buffer.concat(raw));
      raw = [];
      rawBytes = 0;
    };
    const flushRecords = async () => {
      const ids = await insertRecords(client, submissionId, pending);
      for (const r of pending) if (r.status === 'accepted') accepted.push(ids.get(r.seq)!);
      pending = [];
    };
    const drainHosos = () => {
      for (const hoso of hosos.splice(0)) {
        const record = toRecord(hoso, reader.header.macskcb ?? '', caller, deps);
        result.records.push({ key: record.record_key, status: record.status, issues: record.issues });
        pending.push(record);
      }
    };
    const checkFacility = () => {
      const f = reader.header.macskcb;
      if (f && caller.facility && f !== caller.facility) {
        throw forbidden(`this key submits for facility ${caller.facility}; the envelope is from ${f} (THONGTINDONVI/MACSKCB)`);
      }
    };

    for await (const chunk of body) {
      total += chunk.length;
      if (total > deps.maxBodyBytes) throw tooLarge(`envelope is larger than ${deps.maxBodyBytes} bytes (MAX_BODY_MB)`);
      hash.update(chunk);
      raw.push(chunk);
      rawBytes += chunk.length;
      if (rawBytes >= RAW_CHUNK_BYTES) await flushRaw();
      reader.write(decoder.decode(chunk, { stream: true }));
      checkFacility();
      drainHosos();
      if (pending.length >= RECORD_BATCH) await flushRecords();
    }
    reader.write(decoder.decode());
    reader.end();
    checkFacility();
    drainHosos();
    if (result.records.length === 0) throw new MappingError('envelope contains no HOSO', 'GIAMDINHHS/THONGTINHOSO/DANHSACHHOSO');
    const macskcb = reader.header.macskcb;
    if (macskcb && !/^[0-9A-Za-z]{5}$/.test(macskcb)) {
      throw new MappingError(`MACSKCB must be a 5-character facility code (got ${macskcb.length} characters)`, 'GIAMDINHHS/THONGTINDONVI/MACSKCB', 'invalid');
    }
    await flushRaw();
    await flushRecords();
    result.facility = reader.header.macskcb ?? null;
    await finishSubmission(client, submissionId, {
      facility: result.facility,
      byteSize: total,
      sha256: hash.digest('hex'),
      recordCount: result.records.length,
      header: reader.header,
    });
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  await queueAccepted(accepted, deps);
  return result;
}

/** Map, validate and classify one episode into the row that will be stored. */
function toRecord(hoso: EnvelopeHoso, envelopeFacility: string, caller: IngestCaller, deps: IngestDeps): NewRecord {
  const { mapping, tables } = mapQd130Episode(hoso, { systems: deps.systems, envelopeFacility });
  const issues = [...mapping.issues];
  if (caller.facility && mapping.facility !== caller.facility) {
    issues.unshift({ category: 'FACILITY_MISMATCH', field: 'XML1.MA_CSKCB', message: `episode is from facility ${mapping.facility}; this key submits for ${caller.facility}` });
  }
  if (issues.length === 0) {
    // A resource that fails the R4 schema is a mapping bug: hold the record, never push it.
    for (const resource of mapping.resources) {
      for (const p of deps.validator.validate(resource)) {
        issues.push({ category: 'SCHEMA', field: `${p.resourceType}${p.path}`, message: `produced ${p.resourceType} fails the FHIR R4 schema at ${p.path}: ${p.message}` });
      }
    }
  }
  const ok = issues.length === 0;
  return {
    seq: hoso.index,
    // Bounded so an absurd key is stored (rejected) rather than breaking the index.
    // (by code point, so an emoji is never cut into a lone surrogate that jsonb would refuse).
    facility: /^[0-9A-Za-z]{5}$/.test(mapping.facility) ? mapping.facility : 'UNKNOWN',
    record_key: Array.from(mapping.key).slice(0, 200).join(''),
    status: ok ? 'accepted' : 'rejected',
    category: ok ? null : issues[0]!.category,
    issues,
    unmapped: mapping.unmapped,
    payload: tables,
    resources: ok ? mapping.resources : null,
  };
}

/** Queue accepted records in batches; a queue outage is logged and left to the outbox relay. */
export async function queueAccepted(recordIds: number[], deps: Pick<IngestDeps, 'pool' | 'enqueueLink' | 'log' | 'linkBatchSize'>): Promise<void> {
  for (let i = 0; i < recordIds.length; i += deps.linkBatchSize) {
    const batch = recordIds.slice(i, i + deps.linkBatchSize);
    try {
      // Bounded wait: with Redis down the answer must not hang; the relay queues these later.
      const jobId = await Promise.race([
        deps.enqueueLink(batch),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('queue did not answer within 2 s')), 2000).unref()),
      ]);
      await markQueued(deps.pool, batch, jobId);
    } catch (err) {
      deps.log.warn({ err: (err as Error).message, records: batch.length }, 'could not queue linkage; the relay will retry');
      return;
    }
  }
}
