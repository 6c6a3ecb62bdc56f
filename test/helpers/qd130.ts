import { readFileSync } from 'node:fs';
import { mapQd130Episode, Qd130EnvelopeReader, type EnvelopeHoso, type Qd130Episode } from '../../mappers/qd130/index.js';
import type { IdentifierSystems } from '../../mappers/types.js';

/** The default (HL7 Vietnam VN Core) identifier systems, as loadConfig gives them. */
export const TEST_SYSTEMS: IdentifierSystems = {
  cccd: 'http://fhir.hl7.org.vn/core/sid/cccd',
  bhyt: 'http://fhir.hl7.org.vn/core/sid/bhyt',
  maLk: 'http://fhir.hl7.org.vn/core/sid/ma-lk',
  facility: 'http://fhir.hl7.org.vn/core/sid/ma-cskcb',
  maBnBase: 'http://fhir.hl7.org.vn/core/sid/ma-bn',
  extensionBase: 'https://fhir.soyte.gov.vn/gateway',
};

/** Read a whole envelope (string) and map every HOSO, as the ingest service does while streaming. */
export function mapEnvelope(xml: string, systems: IdentifierSystems = TEST_SYSTEMS): Qd130Episode[] {
  const hosos: EnvelopeHoso[] = [];
  const reader = new Qd130EnvelopeReader((h) => hosos.push(h), { maxHoso: 100_000, maxFileChars: 500_000_000 });
  reader.write(xml);
  reader.end();
  return hosos.map((h) => mapQd130Episode(h, { systems, envelopeFacility: reader.header.macskcb ?? '' }));
}

/** Read a fixture as text. */
export function fixture(path: string): string {
  return readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
}
