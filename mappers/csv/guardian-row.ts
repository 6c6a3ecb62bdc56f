import type { PersonFacts } from '../contract.js';
import type { CsvRow } from './reader.js';

/** The mother or guardian of the person, as the facts carry them. */
export type Guardian = NonNullable<PersonFacts['guardian']>;

/**
 * `guardian.relationship` words, after NFC and case folding: `mẹ`/`me`/`mother`/HL7 `MTH` → mother;
 * `bố`/`bo`/`cha`/`father`/`FTH` → father; any other word (`ông`, `bà`, `người giám hộ`, `GRD`) → guardian.
 */
const RELATIONSHIP_WORDS: Record<string, Guardian['relationship']> = {
  'mẹ': 'mother', me: 'mother', mother: 'mother', mth: 'mother',
  'bố': 'father', bo: 'father', cha: 'father', father: 'father', fth: 'father',
};

const CCCD_DIGITS = /^\d{12}$/;

/** A relationship cell → mother, father or guardian (undefined when empty). */
export function parseRelationship(raw: string | undefined): Guardian['relationship'] | undefined {
  const s = raw?.normalize('NFC').trim().toLowerCase();
  if (!s) return undefined;
  return Object.hasOwn(RELATIONSHIP_WORDS, s) ? RELATIONSHIP_WORDS[s] : 'guardian';
}

/**
 * One person of the row's `<prefix>.cccd` and `<prefix>.name` cells. The CCCD is taken when it is
 * 12 digits; otherwise (Excel damage such as `4,63241E+11`, a CMND, a typo) it is listed as
 * unmapped, never an issue: the record is about the patient, whose own ID decides it.
 */
function personOf(row: CsvRow, prefix: 'mother' | 'guardian', relationship: Guardian['relationship'], unusable: string[]): Guardian | undefined {
  const sentCccd = row.fields[`${prefix}.cccd`];
  const cccd = sentCccd && CCCD_DIGITS.test(sentCccd) ? sentCccd : undefined;
  if (sentCccd && !cccd) unusable.push(`${prefix}.cccd`);
  const name = row.fields[`${prefix}.name`]?.normalize('NFC').replace(/\s+/g, ' ');
  if (!cccd && !name) return undefined;
  const field = `row ${row.row}, column ${prefix}.${cccd ? 'cccd' : 'name'}`;
  return { ...(cccd ? { cccd } : {}), ...(name ? { name } : {}), relationship, field };
}

/**
 * The mother or guardian a row names: the mother's columns (`mother.cccd`, `mother.name`: `SO_CCCD_ME`,
 * `HO_TEN_ME`, …) first; else the guardian's (`guardian.cccd`, `guardian.name`), whose relationship is
 * `guardian.relationship` (`QUAN_HE`; empty → guardian). A guardian who is the mother too completes
 * the mother's CCCD or name. `unusable` collects the fields sent but not used.
 */
export function rowGuardian(row: CsvRow, unusable: string[]): Guardian | undefined {
  const mother = personOf(row, 'mother', 'mother', unusable);
  const other = personOf(row, 'guardian', parseRelationship(row.fields['guardian.relationship']) ?? 'guardian', unusable);
  if (row.fields['guardian.relationship'] && !other) unusable.push('guardian.relationship');
  if (!mother) return other;
  if (other?.relationship !== 'mother') return mother;
  const cccd = mother.cccd ?? other.cccd;
  const name = mother.name ?? other.name;
  return { ...(cccd ? { cccd } : {}), ...(name ? { name } : {}), relationship: 'mother', field: mother.cccd || !other.cccd ? mother.field : other.field };
}
