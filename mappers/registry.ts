import type { FormatMapper } from './contract.js';
import { csvFormat } from './csv/index.js';
import { fhirFormat } from './fhir-bundle/index.js';
import { hl7v2Format } from './hl7v2/index.js';
import { qd130Format } from './qd130/index.js';

/**
 * Every input format the gateway accepts. Routes, the golden-file runner, the fuzz properties
 * and the synthetic generators iterate this list, so a new format brings its folder and golden
 * files and nothing else.
 */
export const FORMATS: readonly FormatMapper<any>[] = [qd130Format, csvFormat, hl7v2Format, fhirFormat]; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The format registered under `name`, or undefined. */
export function formatByName(name: string): FormatMapper<unknown> | undefined {
  return FORMATS.find((f) => f.format === name) as FormatMapper<unknown> | undefined;
}
