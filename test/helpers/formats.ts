import type { FhirResource } from 'fhir/r4.js';
import { decideStructurally } from '../../identity/identity.stage.js';
import type { FormatMapper, FormatOptions, IdentifierSystems, MappedItem } from '../../mappers/contract.js';
import { finishRecord } from '../../pipeline/process-record.js';
import type { FhirValidator } from '../../profiles/validate.js';
import type { IngestedRecord, RecordIssue, RecordWarning } from '../../records/model.js';

/** The default (HL7 Vietnam VN Core) identifier systems, as loadConfig gives them. */
export const TEST_SYSTEMS: IdentifierSystems = {
  cccd: 'http://fhir.hl7.org.vn/core/sid/cccd',
  bhyt: 'http://fhir.hl7.org.vn/core/sid/bhyt',
  maLk: 'http://fhir.hl7.org.vn/core/sid/ma-lk',
  facility: 'http://fhir.hl7.org.vn/core/sid/ma-cskcb',
  maBnBase: 'http://fhir.hl7.org.vn/core/sid/ma-bn',
  extensionBase: 'https://fhir.soyte.gov.vn/gateway',
};

/** What a golden file holds for one record: the outcome of mapping + identity + FHIR builders. */
export interface GoldenRecord {
  key: string;
  facility: string;
  resources: FhirResource[];
  issues: RecordIssue[];
  /** Only when the record has warnings (an unknown vaccine code). */
  warnings?: RecordWarning[];
  unmapped: string[];
  births?: unknown[];
}

/** A validator that accepts everything, for callers that check the schema themselves. */
const NO_VALIDATION = { validate: () => [] } as unknown as FhirValidator;

/**
 * Read a whole source (string) with a format's reader and run every item through the pure
 * stages as ingest does (mapping, structural identity, builders), fed in the given pieces, with
 * the format's options (CSV `kind`; golden cases take theirs from `format.goldenCaseOptions`).
 */
export function mapSource(
  format: FormatMapper<unknown>,
  text: string,
  opts: { systems?: IdentifierSystems; pieces?: number[]; validator?: FhirValidator; options?: FormatOptions } = {},
): Array<{ item: MappedItem; record: IngestedRecord; golden: GoldenRecord }> {
  const systems = opts.systems ?? TEST_SYSTEMS;
  const items: unknown[] = [];
  const options = opts.options ?? {};
  const reader = format.createReader((i) => items.push(i), { maxItems: 100_000, maxFieldChars: 500_000_000 }, options);
  let at = 0;
  for (const cut of [...(opts.pieces ?? []), text.length]) {
    reader.write(text.slice(at, cut));
    at = cut;
  }
  reader.end();
  const envelopeFacility = typeof reader.header.facility === 'string' ? reader.header.facility : '';
  return items.map((raw) => {
    const item = format.mapItem(raw, { systems, envelopeFacility, options });
    const record = finishRecord(item, decideStructurally(item.facts, systems), { validator: opts.validator ?? NO_VALIDATION, systems }, null);
    const golden: GoldenRecord = {
      key: item.facts.key,
      facility: item.facts.facility,
      resources: (record.resources ?? []) as FhirResource[],
      issues: record.issues,
      ...(record.warnings.length ? { warnings: record.warnings } : {}),
      unmapped: record.unmapped,
      ...(item.facts.births.length ? { births: item.facts.births } : {}),
    };
    return { item, record, golden };
  });
}
