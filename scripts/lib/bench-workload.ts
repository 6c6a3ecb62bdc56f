/**
 * The benchmark's workload: synthetic submissions (QĐ 130 envelopes, or another format's, bench-formats.ts) generated lazily, one at a time, from a
 * deterministic plan (so a million episodes never sit in memory), and the FHIR resources the mapper
 * makes of them, streamed for the plain-insert baseline and the resources/s figure.
 */
import type { FhirResource } from 'fhir/r4.js';
import { decideStructurally } from '../../identity/identity.stage.js';
import type { FormatMapper, FormatOptions, IdentifierSystems } from '../../mappers/contract.js';
import { formatByName } from '../../mappers/registry.js';
import { finishRecord } from '../../pipeline/process-record.js';
import type { FhirValidator } from '../../profiles/validate.js';
import type { PlainRow } from './bench-baseline.js';
import { BENCH_FORMATS, type BenchFormat } from './bench-formats.js';

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
  /** What the submissions are (claim XML unless `--format` says otherwise). */
  format: BenchFormat;
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
export function planWorkload(o: { episodes: number; facilities: number; perEnvelope: number; runId: string; seedBase: number; format?: BenchFormat }): WorkloadPlan {
  const format = o.format ?? BENCH_FORMATS.qd130;
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
        yield { facility, episodes: count, body: format.render(facility, `${keyPrefix}${facility}-${e}-`, count, seed) };
      }
    }
  }
  const envelopeCount = perFacility.reduce((s, n) => s + Math.ceil(n / o.perEnvelope), 0);
  return { facilities, episodes: o.episodes, envelopeCount, keyPrefix, envelopes, format };
}

/** The baseline skips schema validation (untimed anyway); ingest has validated the same resources. */
const SKIP_VALIDATION = { validate: () => [] } as unknown as FhirValidator;

/**
 * The resources of each record of one source, through the pure stages ingest runs (the registered
 * format's reader and mapping, structural identity, FHIR builders); `[]` for a record ingest would reject.
 */
function* recordResources(
  format: FormatMapper<unknown>, options: FormatOptions, text: string, keyFacility: string, systems: IdentifierSystems,
): Generator<FhirResource[]> {
  const items: unknown[] = [];
  const reader = format.createReader((h) => items.push(h), { maxItems: 1_000_000, maxFieldChars: Math.max(text.length, 1024) }, options);
  reader.write(text);
  reader.end();
  // As ingest does: a format without an envelope facility (CSV) falls back to the sender's key.
  const envelopeFacility = typeof reader.header.facility === 'string' && reader.header.facility ? reader.header.facility : keyFacility;
  for (const raw of items) {
    const item = format.mapItem(raw, { systems, envelopeFacility, options });
    const record = finishRecord(item, decideStructurally(item.facts, systems), { validator: SKIP_VALIDATION, systems }, null);
    yield (record.resources ?? []) as FhirResource[];
  }
}

/**
 * Regenerate and map every record of the plan with its format's mapping, one submission at a time, and
 * yield its resources as baseline rows. Organizations (one per facility, in every episode) are
 * yielded once; other repeats (a CCCD invented twice) are left to the baseline's ON CONFLICT.
 */
export function* mappedRows(plan: WorkloadPlan, systems: IdentifierSystems, counts: MappingCounts): Generator<PlainRow> {
  const organizations = new Set<string>();
  const { baseline } = plan.format;
  const format = formatByName(baseline.format);
  if (!format) throw new Error(`format ${baseline.format} is not registered`);
  const sources = function* () {
    for (const envelope of plan.envelopes()) for (const text of baseline.sources(envelope.body)) yield { text, facility: envelope.facility };
  };
  for (const { text, facility } of sources()) {
    for (const resources of recordResources(format, baseline.options, text, facility, systems)) {
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
