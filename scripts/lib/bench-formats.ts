/**
 * What the benchmark sends, per input format: how one submission of `count` synthetic records is
 * written (the same invented people as the claim-XML run, `makeXml1`), how it travels (an HTTP
 * ingest route or the MLLP listener), how its answer is counted, and how the plain-insert baseline
 * maps it again (the registered format's reader and mapping, so both sides build the same resources).
 */
import { frame } from '../../gateway/mllp/framer.js';
import type { FormatOptions } from '../../mappers/contract.js';
import { makeXml1, syntheticEnvelope, type Xml1Fields } from './qd130-synthetic.js';

export const BENCH_FORMAT_NAMES = ['qd130', 'hl7v2', 'csv', 'fhir', 'data-hub'] as const;
export type BenchFormatName = (typeof BENCH_FORMAT_NAMES)[number];

/** How submissions travel. */
export type BenchTransport = { kind: 'http'; path: string; contentType: string } | { kind: 'mllp' };

/** One benchmark format. */
export interface BenchFormat {
  name: BenchFormatName;
  /** What one record is, for the printed figures. */
  record: string;
  transport: BenchTransport;
  /** One submission of `count` records of `facility`; every record key starts with `keyPrefix`. */
  render(facility: string, keyPrefix: string, count: number, seed: number): Buffer;
  /** Accepted and rejected records of a successful answer (its body as text). */
  count(answer: string): { accepted: number; rejected: number };
  /** The registered format (and options) the baseline maps each source of a submission with. */
  baseline: { format: string; options: FormatOptions; sources(body: Buffer): string[] };
}

/** The synthetic person of record `i` of a submission (as in the claim-XML run). */
const personOf = (facility: string, key: string, seed: number, i: number): Xml1Fields => makeXml1(facility, key, seed * 1_000_003 + i);
const isoDate = (his: string) => `${his.slice(0, 4)}-${his.slice(4, 6)}-${his.slice(6, 8)}`;
const names = (p: Xml1Fields) => {
  const [family, ...given] = p.HO_TEN!.split(' ');
  return { family: family!, given: given.join(' ') };
};

/** Counts of the JSON 202 answer (`records[].status`). */
function countJson(answer: string): { accepted: number; rejected: number } {
  const records = (JSON.parse(answer) as { records?: Array<{ status?: string }> }).records ?? [];
  const accepted = records.filter((r) => r.status === 'accepted').length;
  return { accepted, rejected: records.length - accepted };
}

/** A VXU^V04 (HL7 v2.5.1) of one dose: MSH-10 is the record key, ORC-3 the dose's key. */
function vxuMessage(facility: string, key: string, p: Xml1Fields, day: number): string {
  const n = names(p);
  const date = `202603${String(1 + (day % 28)).padStart(2, '0')}`;
  return [
    `MSH|^~\\&|HIS|${facility}|GATEWAY|SYT|${date}0930+0700||VXU^V04^VXU_V04|${key}|P|2.5.1`,
    `PID|1||${p.SO_CCCD}^^^BCA^NI~${p.MA_BN}^^^${facility}^PI||${n.family}^${n.given}||${p.NGAY_SINH!.slice(0, 8)}|${p.GIOI_TINH === '2' ? 'F' : 'M'}`,
    `ORC|RE||${key}^${facility}`,
    `RXA|0|1|${date}0900|${date}0900|08^Hep B, adolescent or pediatric^CVX|0.5|mL^^UCUM||00^New record^NIP001||||||HB-${day}|20271231||||CP|A`,
    'RXR|IM^Intramuscular^HL70162|LT^Left thigh^HL70163',
  ].join('\r') + '\r';
}

const MLLP_START = 0x0b;
const MLLP_END = Buffer.from([0x1c, 0x0d]);

/** The messages of a body of MLLP frames, without the framing. */
function unframe(body: Buffer): string[] {
  const out: string[] = [];
  for (let at = body.indexOf(MLLP_START); at >= 0; ) {
    const end = body.indexOf(MLLP_END, at);
    out.push(body.subarray(at + 1, end).toString('utf8'));
    at = body.indexOf(MLLP_START, end);
  }
  return out;
}

const CSV_HEADER = 'immunization_identifier,patient_cccd,patient_name,patient_birth_date,patient_gender,vaccine_national_code,vaccine_name,occurrence,dose_number,lot_number';

export const BENCH_FORMATS: Readonly<Record<BenchFormatName, BenchFormat>> = {
  qd130: {
    name: 'qd130', record: 'episode (HOSO)',
    transport: { kind: 'http', path: '/ingest/qd130', contentType: 'application/xml' },
    render: (facility, prefix, count, seed) => Buffer.from(syntheticEnvelope(facility, prefix, count, seed), 'utf8'),
    count: countJson,
    baseline: { format: 'qd130', options: {}, sources: (body) => [body.toString('utf8')] },
  },
  hl7v2: {
    name: 'hl7v2', record: 'VXU^V04 message (one dose)',
    transport: { kind: 'mllp' },
    render: (facility, prefix, count, seed) => Buffer.concat(Array.from({ length: count }, (_, i) =>
      frame(vxuMessage(facility, `${prefix}${i}`, personOf(facility, `${prefix}${i}`, seed, i), i)))),
    count: (acks) => {
      const codes = [...acks.matchAll(/\rMSA\|(A[AER])\|/g)].map((m) => m[1]);
      return { accepted: codes.filter((c) => c === 'AA').length, rejected: codes.filter((c) => c !== 'AA').length };
    },
    baseline: { format: 'hl7v2', options: {}, sources: (body) => [unframe(body).join('')] },
  },
  csv: {
    name: 'csv', record: 'CSV row (one dose)',
    transport: { kind: 'http', path: '/ingest/csv?kind=immunization', contentType: 'text/csv; charset=utf-8' },
    render: (facility, prefix, count, seed) => Buffer.from([CSV_HEADER, ...Array.from({ length: count }, (_, i) => {
      const p = personOf(facility, `${prefix}${i}`, seed, i);
      return `${prefix}${i},${p.SO_CCCD},${p.HO_TEN},${isoDate(p.NGAY_SINH!)},${p.GIOI_TINH},53,Viêm gan B,2026-03-${String(1 + (i % 28)).padStart(2, '0')},1,HB-${i}`;
    })].join('\r\n') + '\r\n', 'utf8'),
    count: countJson,
    baseline: { format: 'csv', options: { kind: 'immunization' }, sources: (body) => [body.toString('utf8')] },
  },
  fhir: {
    name: 'fhir', record: 'Bundle entry group (Patient + Immunization)',
    transport: { kind: 'http', path: '/ingest/fhir', contentType: 'application/fhir+json' },
    render: (facility, prefix, count, seed) => Buffer.from(JSON.stringify(fhirBatch(facility, prefix, count, seed)), 'utf8'),
    count: (answer) => {
      const entries = (JSON.parse(answer) as { entry?: Array<{ resource?: unknown; response?: { status?: string } }> }).entry ?? [];
      // Two entries per record (Patient, Immunization); the Immunization's status is the record's.
      const records = entries.filter((_, i) => i % 2 === 1);
      const accepted = records.filter((e) => /^20[01]/.test(e.response?.status ?? '')).length;
      return { accepted, rejected: records.length - accepted };
    },
    baseline: { format: 'fhir', options: {}, sources: (body) => [body.toString('utf8')] },
  },
  'data-hub': {
    name: 'data-hub', record: 'episode (HOSO) in a base64 file',
    transport: { kind: 'http', path: '/api/kcb/xml/guiHoSoXml', contentType: 'application/json' },
    render: (facility, prefix, count, seed) => Buffer.from(JSON.stringify({
      loaiHoSo: '130', maTinh: facility.slice(0, 2), maCSKCB: facility,
      files: [Buffer.from(syntheticEnvelope(facility, prefix, count, seed), 'utf8').toString('base64')],
    }), 'utf8'),
    count: (answer) => {
      const a = JSON.parse(answer) as { fileResults?: Array<{ soHoSoThanhCong?: number; soHoSoLoi?: number }> };
      return (a.fileResults ?? []).reduce((n, f) => ({ accepted: n.accepted + (f.soHoSoThanhCong ?? 0), rejected: n.rejected + (f.soHoSoLoi ?? 0) }), { accepted: 0, rejected: 0 });
    },
    baseline: {
      format: 'qd130', options: {},
      sources: (body) => (JSON.parse(body.toString('utf8')) as { files: string[] }).files.map((f) => Buffer.from(f, 'base64').toString('utf8')),
    },
  },
};

/** A FHIR R4 batch Bundle of `count` Patient + Immunization pairs (https://hl7.org/fhir/R4/bundle.html). */
function fhirBatch(facility: string, prefix: string, count: number, seed: number): unknown {
  const entry = Array.from({ length: count }, (_, i) => {
    const p = personOf(facility, `${prefix}${i}`, seed, i);
    const n = names(p);
    const patientUrl = `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    return [
      { fullUrl: patientUrl, request: { method: 'POST', url: 'Patient' }, resource: {
        resourceType: 'Patient', identifier: [{ system: 'http://fhir.hl7.org.vn/core/sid/cccd', value: p.SO_CCCD }],
        name: [{ family: n.family, given: [n.given] }], gender: p.GIOI_TINH === '2' ? 'female' : 'male', birthDate: isoDate(p.NGAY_SINH!),
      } },
      { request: { method: 'POST', url: 'Immunization' }, resource: {
        resourceType: 'Immunization', identifier: [{ value: `${prefix}${i}` }], status: 'completed',
        vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '08' }] }, patient: { reference: patientUrl },
        occurrenceDateTime: `2026-03-${String(1 + (i % 28)).padStart(2, '0')}T09:00:00+07:00`, lotNumber: `HB-${i}`,
        performer: [{ actor: { identifier: { system: 'http://fhir.hl7.org.vn/core/sid/ma-cskcb', value: facility } } }],
      } },
    ];
  }).flat();
  return { resourceType: 'Bundle', type: 'batch', entry };
}
