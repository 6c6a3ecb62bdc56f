/**
 * The benchmark's workload: synthetic QĐ 130 envelopes generated lazily, one at a time, from a
 * deterministic plan (so a million episodes never sit in memory), and the FHIR resources the mapper
 * makes of them, streamed for the plain-insert baseline and the resources/s figure.
 */
import type { FhirResource } from 'fhir/r4.js';
import { decideStructurally } from '../../identity/identity.stage.js';
import type { IdentifierSystems } from '../../mappers/contract.js';
import { qd130Format, type EnvelopeHoso } from '../../mappers/qd130/index.js';
import { finishRecord } from '../../pipeline/process-record.js';
import type { FhirValidator } from '../../profiles/validate.js';
import type { PlainRow } from './bench-baseline.js';
import { syntheticEnvelope } from './qd130-synthetic.js';

/** One POST: a whole envelope of one facility, already encoded. */
export interface BenchEnvelope {
  facility: string;
  episodes: number;
  body: Buffer;
}

/** Everything submitted in one run, as a recipe: `envelopes()` generates them on demand. */
export interface WorkloadPlan {
  facilities: string[];
  episodes: number;
  envelopeCount: number;
  /** MA_LK prefix shared by every episode of the run (`B<runId>-`). */
  keyPrefix: string;
  /** In submission order (facilities interleaved, as concurrent facilities would send); same bytes on every call. */
  envelopes(): Generator<BenchEnvelope>;
}

/** Counters filled while the workload is mapped. */
export interface MappingCounts {
  /** Episodes the mapper accepts (the rest would be rejected at ingest). */
  mappedEpisodes: number;
  /** Resources over all episodes, counting the shared ones (Organization) once per episode. */
  producedResources: number;
}

/** Facility codes 46001, 46002, … (province 46, 5 characters as MA_CSKCB requires). */
export function facilityCodes(count: number): string[] {
  if (count > 999) throw new Error('at most 999 facilities');
  return Array.from({ length: count }, (_, i) => `46${String(i + 1).padStart(3, '0')}`);
}

/** Split `total` into `parts` near-equal shares (the first ones get the remainder). */
function shares(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

/**
 * Plan the run's envelopes. MA_LK values start with `B<runId>-` so runs against the same database
 * never touch each other's episodes; `seedBase` varies the invented people per run.
 */
export function planWorkload(o: { episodes: number; facilities: number; perEnvelope: number; runId: string; seedBase: number }): WorkloadPlan {
  const facilities = facilityCodes(Math.min(o.facilities, o.episodes));
  const perFacility = shares(o.episodes, facilities.length);
  const rounds = Math.ceil(perFacility[0]! / o.perEnvelope);
  const keyPrefix = `B${o.runId}-`;
  function* envelopes(): Generator<BenchEnvelope> {
    for (let e = 0; e < rounds; e++) {
      for (let f = 0; f < facilities.length; f++) {
        const count = Math.min(o.perEnvelope, perFacility[f]! - e * o.perEnvelope);
        if (count <= 0) continue;
        const facility = facilities[f]!;
        const seed = o.seedBase + f * 10_007 + e;
        yield { facility, episodes: count, body: Buffer.from(syntheticEnvelope(facility, `${keyPrefix}${facility}-${e}-`, count, seed), 'utf8') };
      }
    }
  }
  const envelopeCount = perFacility.reduce((s, n) => s + Math.ceil(n / o.perEnvelope), 0);
  return { facilities, episodes: o.episodes, envelopeCount, keyPrefix, envelopes };
}

/** The baseline skips schema validation (untimed anyway); ingest has validated the same resources. */
const SKIP_VALIDATION = { validate: () => [] } as unknown as FhirValidator;

/**
 * The resources of each episode of one envelope, through the pure stages ingest runs (envelope
 * reader, QĐ 130 mapping, structural identity, FHIR builders); `[]` for an episode ingest would reject.
 */
function* episodeResources(xml: string, systems: IdentifierSystems): Generator<FhirResource[]> {
  const hosos: EnvelopeHoso[] = [];
  const reader = qd130Format.createReader((h) => hosos.push(h), { maxItems: 1_000_000, maxFieldChars: Math.max(xml.length, 1024) });
  reader.write(xml);
  reader.end();
  const envelopeFacility = typeof reader.header.facility === 'string' ? reader.header.facility : '';
  for (const hoso of hosos) {
    const item = qd130Format.mapItem(hoso, { systems, envelopeFacility });
    const record = finishRecord(item, decideStructurally(item.facts, systems), { validator: SKIP_VALIDATION, systems }, null);
    yield (record.resources ?? []) as FhirResource[];
  }
}

/**
 * Regenerate and map every episode of the plan with `mapQd130Episode`, one envelope at a time, and
 * yield its resources as baseline rows. Organizations (one per facility, in every episode) are
 * yielded once; other repeats (a CCCD invented twice) are left to the baseline's ON CONFLICT.
 */
export function* mappedRows(plan: WorkloadPlan, systems: IdentifierSystems, counts: MappingCounts): Generator<PlainRow> {
  const organizations = new Set<string>();
  for (const envelope of plan.envelopes()) {
    for (const resources of episodeResources(envelope.body.toString('utf8'), systems)) {
      if (resources.length) counts.mappedEpisodes++;
      counts.producedResources += resources.length;
      for (const r of resources) {
        if (r.resourceType === 'Organization') {
          if (organizations.has(r.id!)) continue;
          organizations.add(r.id!);
        }
        yield { resource_type: r.resourceType, id: r.id!, content: r };
      }
    }
  }
}
