/**
 * Micro-benchmark of encryption at rest on the ingest path (docs/data-at-rest.md): seal/open of
 * raw 4 MB chunks, and the serialisation of a 100-record INSERT batch with and without sealed
 * payloads (real QĐ 130 payloads from the synthetic generator). Prints figures; asserts nothing.
 *   npx tsx scripts/bench-sealing.ts
 */
import { randomBytes } from 'node:crypto';
import { DataKeyring } from '../db/encryption.js';
import { qd130Format } from '../mappers/qd130/index.js';
import type { IngestedRecord } from '../records/model.js';
import { serializeRecordBatch } from '../records/records.repo.js';
import { syntheticEnvelope } from './lib/qd130-synthetic.js';

const SYSTEMS = {
  cccd: 'http://fhir.hl7.org.vn/core/sid/cccd', bhyt: 'http://fhir.hl7.org.vn/core/sid/bhyt', maLk: 'http://fhir.hl7.org.vn/core/sid/ma-lk',
  facility: 'http://fhir.hl7.org.vn/core/sid/ma-cskcb', maBnBase: 'http://fhir.hl7.org.vn/core/sid/ma-bn', extensionBase: 'https://fhir.soyte.gov.vn/gateway',
};
const keyring = new DataKeyring([{ id: 1, key: randomBytes(32) }]);

/** Median of `rounds` timings of `fn` (ms). */
function time(rounds: number, fn: () => void): number {
  const t: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    fn();
    t.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!;
}

// Raw chunks: 4 MB, as storeRaw writes them.
const chunk = Buffer.from(syntheticEnvelope('46001', 'LK', 1500).slice(0, 4 * 1024 * 1024), 'utf8');
const sealedChunk = keyring.seal(chunk, 'c');
const mb = chunk.length / (1024 * 1024);
const sealMs = time(30, () => keyring.seal(chunk, 'c'));
const openMs = time(30, () => keyring.open(sealedChunk, 'c'));
console.log(`raw chunk ${mb.toFixed(1)} MB: seal ${sealMs.toFixed(2)} ms (${(mb / sealMs * 1000).toFixed(0)} MB/s), open ${openMs.toFixed(2)} ms (${(mb / openMs * 1000).toFixed(0)} MB/s)`);

// Record batches: 100 real payloads, as the pipeline's flush serialises them.
const items: unknown[] = [];
const reader = qd130Format.createReader((i) => items.push(i), { maxItems: 1000, maxFieldChars: 1e8 });
reader.write(syntheticEnvelope('46001', 'LK', 100));
reader.end();
const rows: IngestedRecord[] = items.map((raw, i) => {
  const item = qd130Format.mapItem(raw as Parameters<typeof qd130Format.mapItem>[0], { systems: SYSTEMS, envelopeFacility: '46001' });
  return { seq: i + 1, facility: '46001', key: `LK${i}`, status: 'rejected', category: null, issues: [], warnings: [], kind: 'encounter', doses: 0, unmapped: [], payload: item.payload, related: {}, resources: null };
});
const payloadBytes = rows.reduce((n, r) => n + JSON.stringify(r.payload).length, 0);
const plainMs = time(200, () => serializeRecordBatch(rows, 'bench', null));
const sealedMs = time(200, () => serializeRecordBatch(rows, 'bench', keyring));
const plain = serializeRecordBatch(rows, 'bench', null);
const sealed = serializeRecordBatch(rows, 'bench', keyring);
console.log(`batch of ${rows.length} records (payload ${(payloadBytes / rows.length / 1024).toFixed(1)} KB each): serialise plaintext ${plainMs.toFixed(2)} ms, sealed ${sealedMs.toFixed(2)} ms`
  + ` → +${((sealedMs - plainMs) / rows.length * 1000).toFixed(1)} µs per record; parameter ${(plain.json.length / 1024).toFixed(0)} KB → ${(sealed.json.length / 1024).toFixed(0)} KB (base64), stored ${(plain.storedBytes / 1024).toFixed(0)} KB → ${(sealed.storedBytes / 1024).toFixed(0)} KB`);
