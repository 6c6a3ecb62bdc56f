/**
 * The people of the synthetic province, household by household: couples with children (mothers
 * 18–44 at each birth), elderly couples, single people and single mothers, infants under 6 months
 * (about half with their personal ID number already), a few foreigners with passports. Identifiers
 * follow the real structures: CCCD (TT 07/2016: birth-registration province, century/gender digit,
 * year, 6 digits, unique), BHYT card (group, benefit level, province, 10-digit BHXH number), old
 * 9-digit CMND, cancelled and re-issued CCCDs.
 */
import { familyName, foreignName, vietnameseName } from './names.js';
import { birthProvince, communes, PROVINCE } from './places.js';
import { dayOf, isoDay, Random, UniqueNumbers, weightedTable } from './random.js';
import type { Person } from './types.js';

/** How the population is drawn. */
export interface PopulationOptions {
  people: number;
  seed: number;
  /** `yyyy-mm-dd`; default 2025-06-30. */
  referenceDate?: string;
  /** Share of people younger than 6 months (default 0.008: about 16 births per 1,000 a year). */
  infantShare?: number;
  /** Share of those infants whose birth is registered, so who have a CCCD (default 0.5). */
  infantWithCccdShare?: number;
  /** Share of foreigners (default 0.003). */
  foreignerShare?: number;
}

const HOUSEHOLDS = weightedTable<'family' | 'elderly' | 'single' | 'single-mother'>([['family', 70], ['elderly', 13], ['single', 11], ['single-mother', 6]]);
const CHILDREN = weightedTable<number>([[0, 12], [1, 30], [2, 40], [3, 15], [4, 3]]);
const HEAD_AGE = weightedTable<number>(Array.from({ length: 44 }, (_, i) => [22 + i, i < 25 ? 10 : 10 - (i - 25) * 0.4] as const));
const CARD_GROUPS = weightedTable<string>([['GD4', 40], ['DN4', 25], ['HC4', 8], ['CN5', 5], ['HN2', 5], ['BT2', 3], ['XK2', 2], ['NO3', 4], ['HX4', 8]]);

/** Builds people and their identifiers; one instance per province. */
export class PopulationBuilder {
  readonly people: Person[] = [];
  private readonly cccds: UniqueNumbers;
  private readonly bhxh: UniqueNumbers;
  private readonly cmnds: UniqueNumbers;
  private readonly passports: UniqueNumbers;
  readonly refDay: number;

  constructor(private readonly random: Random, referenceDate: string) {
    this.refDay = dayOf(referenceDate);
    this.cccds = new UniqueNumbers(random, 6);
    this.bhxh = new UniqueNumbers(random, 8);
    this.cmnds = new UniqueNumbers(random, 7);
    this.passports = new UniqueNumbers(random, 7);
  }

  /** A birth date `years` old on the reference day (a random day within that year of age). */
  birthDateAt(years: number): string {
    return isoDay(this.refDay - Math.floor(years * 365.25) - this.random.int(0, 364));
  }

  /** A Vietnamese resident with a CCCD, card, perhaps a CMND and a re-issued number. */
  citizen(p: { family: string; gender: Person['gender']; birthDate: string; commune: string; household: number; motherId?: string; bornHere?: boolean }): Person {
    const r = this.random;
    const year = Number(p.birthDate.slice(0, 4));
    const age = (this.refDay - dayOf(p.birthDate)) / 365.25;
    const person: Person = {
      id: `P${String(this.people.length + 1).padStart(7, '0')}`,
      name: vietnameseName(r, p.family, p.gender, year), gender: p.gender, birthDate: p.birthDate,
      commune: p.commune, household: p.household, nationality: '000', infant: false,
      ...(p.motherId ? { motherId: p.motherId } : {}),
    };
    const province = p.bornHere ? (r.chance(0.95) ? PROVINCE.cccd : birthProvince(r)) : birthProvince(r);
    person.cccd = this.newCccd(province, year, p.gender);
    if (age >= 18 && r.chance(0.012)) person.previousCccd = [this.newCccd(province, year, p.gender)];
    if (age < 6 || r.chance(0.9)) person.bhyt = this.card(age);
    if (year <= 2003 && r.chance(0.45)) person.cmnd = this.cmnds.next('21');
    this.people.push(person);
    return person;
  }

  /** An infant under 6 months, with or without its CCCD yet. */
  infant(mother: Person, family: string, withCccd: boolean): Person {
    const r = this.random;
    const gender = r.chance(0.51) ? 'male' : 'female';
    const birthDate = isoDay(this.refDay - r.int(1, 178));
    const person: Person = {
      id: `P${String(this.people.length + 1).padStart(7, '0')}`,
      name: vietnameseName(r, family, gender, Number(birthDate.slice(0, 4))), gender, birthDate,
      commune: mother.commune, household: mother.household, nationality: '000', infant: true, motherId: mother.id,
    };
    if (withCccd) {
      person.cccd = this.newCccd(PROVINCE.cccd, Number(birthDate.slice(0, 4)), gender);
      person.bhyt = this.card(0);
    }
    this.people.push(person);
    return person;
  }

  /** A foreign resident: passport only, never in the population registry. */
  foreigner(household: number): Person {
    const r = this.random;
    const f = foreignName(r);
    const person: Person = {
      id: `P${String(this.people.length + 1).padStart(7, '0')}`, name: f.name, gender: r.chance(0.5) ? 'male' : 'female',
      birthDate: this.birthDateAt(r.int(20, 60)), commune: r.pick(communes).code, household, nationality: f.nationality,
      infant: false, passport: this.passports.next(f.passportLetter),
    };
    this.people.push(person);
    return person;
  }

  private newCccd(province: string, year: number, gender: Person['gender']): string {
    const century = Math.floor((year - 1900) / 100) * 2 + (gender === 'female' ? 1 : 0);
    return this.cccds.next(`${province}${century}${String(year % 100).padStart(2, '0')}`);
  }

  private card(age: number): string {
    const group = age < 6 ? 'TE1' : age < 18 ? 'HS4' : age >= 60 && this.random.chance(0.5) ? 'HT3' : this.random.weighted(CARD_GROUPS);
    return `${group}${PROVINCE.gso}${this.bhxh.next(PROVINCE.gso)}`;
  }
}

/** A woman who could have an infant now (19–44, no child under 1) and the family name her children take. */
interface PossibleMother {
  mother: Person;
  family: string;
}

/** One household of the kind drawn; returns the woman of it who could have an infant now, if any. */
function household(b: PopulationBuilder, r: Random, id: number): PossibleMother[] {
  const commune = r.pick(communes).code;
  const kind = r.weighted(HOUSEHOLDS);
  const base = { commune, household: id, bornHere: false };
  if (kind === 'single') {
    const gender = r.chance(0.5) ? 'male' : 'female';
    b.citizen({ ...base, family: familyName(r), gender, birthDate: b.birthDateAt(r.chance(0.5) ? r.int(18, 35) : r.int(60, 92)) });
    return [];
  }
  if (kind === 'elderly') {
    const age = r.int(60, 88);
    b.citizen({ ...base, family: familyName(r), gender: 'male', birthDate: b.birthDateAt(age) });
    b.citizen({ ...base, family: familyName(r), gender: 'female', birthDate: b.birthDateAt(Math.max(58, age - r.int(0, 6))) });
    return [];
  }
  const fatherAge = r.weighted(HEAD_AGE);
  const father = kind === 'family' ? b.citizen({ ...base, family: familyName(r), gender: 'male', birthDate: b.birthDateAt(fatherAge) }) : undefined;
  const motherAge = kind === 'family' ? Math.max(19, fatherAge - r.int(0, 6)) : r.int(19, 45);
  const mother = b.citizen({ ...base, family: familyName(r), gender: 'female', birthDate: b.birthDateAt(motherAge) });
  const family = (father ?? mother).name.split(' ')[0]!;
  const ages = new Set<number>();
  for (let i = r.weighted(CHILDREN); i > 0; i--) {
    // The mother was 19–44 at the birth (whole years, so always over 18), the child at least 1 year old.
    const lo = Math.max(1, motherAge - 44);
    const hi = motherAge - 19;
    if (hi < lo) break;
    const age = r.int(lo, hi);
    if (ages.has(age)) continue;
    ages.add(age);
    b.citizen({ ...base, bornHere: true, family, gender: r.chance(0.51) ? 'male' : 'female', birthDate: b.birthDateAt(age), motherId: mother.id });
  }
  if (father && r.chance(0.15) && fatherAge + 20 <= 90) {
    b.citizen({ ...base, family: father.name.split(' ')[0]!, gender: 'female', birthDate: b.birthDateAt(r.int(fatherAge + 20, 92)) });
  }
  return motherAge <= 44 ? [{ mother, family }] : [];
}

/**
 * The population: households until `people` minus the infants and foreigners are reached, then an
 * infant for as many eligible mothers as the infant share asks, then the foreigners.
 */
export function buildPopulation(o: PopulationOptions): { people: Person[]; referenceDate: string } {
  const referenceDate = o.referenceDate ?? '2025-06-30';
  const r = new Random(o.seed);
  const b = new PopulationBuilder(r, referenceDate);
  const infants = Math.round(o.people * (o.infantShare ?? 0.008));
  const foreigners = Math.round(o.people * (o.foreignerShare ?? 0.003));
  const mothers: PossibleMother[] = [];
  let id = 0;
  while (b.people.length < o.people - infants - foreigners) mothers.push(...household(b, r, ++id));
  for (const m of r.shuffle(mothers).slice(0, infants)) b.infant(m.mother, m.family, r.chance(o.infantWithCccdShare ?? 0.5));
  for (let i = 0; i < foreigners; i++) b.foreigner(++id);
  return { people: b.people, referenceDate };
}
