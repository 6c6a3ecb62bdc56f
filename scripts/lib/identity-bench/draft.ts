/**
 * A feed row before it becomes CSV cells: who, where, when, which dose, and the identity fields as
 * the facility would send them. Injections change the identity fields; `cells.ts` writes them out.
 */
import { facilities, type Facility } from './places.js';
import type { Random } from './random.js';
import type { ErrorKind, Person } from './types.js';
import type { Vaccine } from './vaccines.js';

/** The identity part of a row, as sent (empty string = empty cell). */
export interface RowIdentity {
  cccd: string;
  cmnd: string;
  passport: string;
  bhyt: string;
  mrn: string;
  name: string;
  birthDate: string;
  gender: 'male' | 'female';
  guardianCccd: string;
  guardianName: string;
  guardianRelationship: string;
}

/** One row being built. */
export interface Draft {
  /** Creation order, for stable sorting and keys. */
  n: number;
  person: Person;
  facility: string;
  /** UTC day number of the dose. */
  day: number;
  vaccine: Vaccine;
  dose: number;
  lot: string;
  round: number;
  kinds: ErrorKind[];
  detail?: string;
  id: RowIdentity;
  /** The immunization identifier cell (also the record key the gateway answers). */
  identifier: string;
  duplicateOf?: Draft;
  /** An infant's dose given before its birth was registered: may be filed under the mother. */
  beforeRegistration?: boolean;
}

/** How a facility's export writes things. */
export interface FacilityStyle {
  upperNames: boolean;
  genderWords: boolean;
  sendsBhyt: boolean;
  sendsMrn: boolean;
}

/** The export style of each facility (hospitals write upper-case names; private centres send no BHYT; some district exports lack MA_BN). */
export const STYLES: ReadonlyMap<string, FacilityStyle> = new Map(facilities.map((f: Facility, i): [string, FacilityStyle] => [f.code, {
  upperNames: f.kind === 'hospital' || (f.kind === 'district' && i % 3 === 0),
  genderWords: f.kind === 'maternity' || f.kind === 'private' || i % 2 === 0,
  sendsBhyt: f.kind !== 'private',
  sendsMrn: f.kind !== 'district' || i % 4 !== 3,
}]));

/** The facility's patient numbers (MA_BN), one per person, numbered as they first come. */
export class PatientNumbers {
  private readonly numbers = new Map<string, string>();
  private readonly next = new Map<string, number>();

  /** The person's number at the facility. */
  of(facility: string, personId: string): string {
    const key = `${facility}|${personId}`;
    let n = this.numbers.get(key);
    if (!n) {
      const c = (this.next.get(facility) ?? 0) + 1;
      this.next.set(facility, c);
      n = `BN${facility.slice(-3)}${String(c).padStart(6, '0')}`;
      this.numbers.set(key, n);
    }
    return n;
  }
}

/** The clean identity of a person as `facility` sends it. */
export function cleanIdentity(random: Random, person: Person, facility: string, numbers: PatientNumbers): RowIdentity {
  const style = STYLES.get(facility)!;
  return {
    cccd: person.cccd ?? '',
    cmnd: person.cmnd && random.chance(0.3) ? person.cmnd : '',
    passport: person.passport ?? '',
    bhyt: person.bhyt && style.sendsBhyt && random.chance(0.9) ? person.bhyt : '',
    mrn: style.sendsMrn ? numbers.of(facility, person.id) : '',
    name: person.name, birthDate: person.birthDate, gender: person.gender,
    guardianCccd: '', guardianName: '', guardianRelationship: '',
  };
}

/** Set the mother as the row's guardian (her CCCD, her name, relationship `mẹ` or empty). */
export function withMother(random: Random, id: RowIdentity, mother: Person): void {
  id.guardianCccd = mother.cccd ?? '';
  id.guardianName = mother.name;
  id.guardianRelationship = random.chance(0.7) ? 'mẹ' : '';
}
