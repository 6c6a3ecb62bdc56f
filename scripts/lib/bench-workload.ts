/**
 * The benchmark's workload: synthetic QĐ 130 envelopes generated before any timing, and the FHIR
 * resources the mapper makes of them (for the plain-insert baseline and the resources/s figure).
 */
import type { FhirResource } from 'fhir/r4.js';
import { mapQd130Episode, Qd130EnvelopeReader, type EnvelopeHoso } from '../../mappers/qd130/index.js';
import type { IdentifierSystems } from '../../mappers/types.js';
import { syntheticEnvelope } from './qd130-synthetic.js';

/** One POST: a whole envelope of one facility, already encoded. */
export interface BenchEnvelope {
  facility: string;
  episodes: number;
  body: Buffer;
}

/** Everything submitted in one run. */
export interface Workload {
  facilities: string[];
  /** In submission order (facilities interleaved, as concurrent facilities would send). */
  envelopes: BenchEnvelope[];
  episodes: number;
  bytes: number;
}

/** What the mapper makes of the workload. */
export interface MappedWorkload {
  /** Episodes the mapper accepts (the rest would be rejected at ingest). */
  mappedEpisodes: number;
  /** Resources over all episodes, counting the shared ones (Organization) once per episode. */
  producedResources: number;
  /** Distinct resources by (type, id): the rows a FHIR store ends up with. */
  distinct: Array<{ resource_type: string; id: string; content: FhirResource }>;
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

/** Split `total` into chunks of at most `size`. */
function chunks(total: number, size: number): number[] {
  const out: number[] = [];
  for (let left = total; left > 0; left -= size) out.push(Math.min(size, left));
  return out;
}

/**
 * Generate the run's envelopes. MA_LK values start with `B<runId>-` so runs against the same
 * database never touch each other's episodes; `seedBase` varies the invented people per run.
 */
export function buildWorkload(o: { episodes: number; facilities: number; perEnvelope: number; runId: string; seedBase: number }): Workload {
  const facilities = facilityCodes(Math.min(o.facilities, o.episodes));
  const perFacility = shares(o.episodes, facilities.length).map((n, f) =>
    chunks(n, o.perEnvelope).map((count, e) => {
      const facility = facilities[f]!;
      const seed = o.seedBase + f * 10_007 + e;
      return { facility, episodes: count, body: Buffer.from(syntheticEnvelope(facility, `B${o.runId}-${facility}-${e}-`, count, seed), 'utf8') };
    }),
  );
  const envelopes: BenchEnvelope[] = [];
  const rounds = Math.max(...perFacility.map((list) => list.length));
  for (let r = 0; r < rounds; r++) for (const list of perFacility) if (list[r]) envelopes.push(list[r]!);
  return { facilities, envelopes, episodes: o.episodes, bytes: envelopes.reduce((s, e) => s + e.body.length, 0) };
}

/** Read one envelope into its HOSOs, as the ingest service does while streaming. */
function readHosos(xml: string): { hosos: EnvelopeHoso[]; facility: string } {
  const hosos: EnvelopeHoso[] = [];
  const reader = new Qd130EnvelopeReader((h) => hosos.push(h), { maxHoso: 1_000_000, maxFileChars: Math.max(xml.length, 1024) });
  reader.write(xml);
  reader.end();
  return { hosos, facility: reader.header.macskcb ?? '' };
}

/** Map every episode of the workload with `mapQd130Episode` (untimed) and collect the distinct resources. */
export function mapWorkload(workload: Workload, systems: IdentifierSystems): MappedWorkload {
  const distinct = new Map<string, { resource_type: string; id: string; content: FhirResource }>();
  let mappedEpisodes = 0;
  let producedResources = 0;
  for (const envelope of workload.envelopes) {
    const { hosos, facility } = readHosos(envelope.body.toString('utf8'));
    for (const hoso of hosos) {
      const { resources } = mapQd130Episode(hoso, { systems, envelopeFacility: facility }).mapping;
      if (resources.length) mappedEpisodes++;
      producedResources += resources.length;
      for (const r of resources) distinct.set(`${r.resourceType}/${r.id}`, { resource_type: r.resourceType, id: r.id!, content: r });
    }
  }
  return { mappedEpisodes, producedResources, distinct: [...distinct.values()] };
}
