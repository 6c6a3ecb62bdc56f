import type { FormatMapper } from '../contract.js';
import { MappingError } from '../errors.js';
import { fhirBundleAnswer } from './answer.js';
import type { FhirBundleItem } from './items.js';
import { mapBundleItem } from './map-item.js';
import { FhirBundleReader } from './reader.js';

export { fhirBundleAnswer, renderBundleResponse, FHIR_JSON } from './answer.js';
export { itemsOfEntries, type FhirBundleItem, type BundleType } from './items.js';
export { mapBundleItem, type FhirEntryReply, type FhirBundlePayload, type StoredEntry, type EntryStoredWith } from './map-item.js';
export { FhirBundleReader, jsonDepthProblem, longTextAt, DEFAULT_MAX_TEXT_CHARS, MAX_JSON_DEPTH } from './reader.js';

/**
 * FHIR R4 Bundles, `POST /ingest/fhir` (docs/formats/fhir.md): a `transaction` or `batch` of
 * Patient, Encounter, Condition, Immunization (and Organization) entries from FHIR-capable systems,
 * answered with a `transaction-response` or `batch-response` Bundle, one response entry per request entry.
 */
export const fhirFormat: FormatMapper<FhirBundleItem> = {
  format: 'fhir',
  description: 'FHIR R4 Bundle (transaction or batch) of Patient, Encounter, Condition, Immunization',
  contentTypes: /^(application\/fhir\+json|application\/json)\s*(;|$)/i,
  createReader(onItem, limits) {
    const reader = new FhirBundleReader(onItem, limits);
    return { write: (chunk) => reader.write(chunk), end: () => reader.end(), get header() { return reader.header; } };
  },
  mapItem: mapBundleItem,
  checkEnd(_header, itemCount) {
    if (itemCount === 0) throw new MappingError('the Bundle has no entry', 'Bundle.entry', 'structure');
  },
  goldenDir: 'test/golden/fhir',
  answer: fhirBundleAnswer,
};
