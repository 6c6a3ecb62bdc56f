/**
 * Which doses people get: the expanded programme (TCMR) schedule of an infant's first six months
 * (hepatitis B at birth, BCG, Quinvaxem and OPV at 2, 3 and 4 months, Rotavin at a private
 * centre), and by age for everyone else. Codes are NIIS VACXIN_ID (mappers/shared/code-maps/niis-vaccine-cvx.json).
 */
import type { Random } from './random.js';

/** A vaccine as a row names it. */
export interface Vaccine {
  code: string;
  name: string;
  /** Doses in its series (a row's dose number is 1..doses). */
  doses: number;
}

const V = {
  hepbBirth: { code: '1', name: 'Viêm gan B sơ sinh', doses: 1 },
  bcg: { code: '2', name: 'BCG', doses: 1 },
  quinvaxem: { code: '3', name: 'Quinvaxem (DTwP-HepB-Hib)', doses: 3 },
  opv: { code: '4', name: 'OPV', doses: 3 },
  dpt: { code: '5', name: 'DPT', doses: 1 },
  measles: { code: '6', name: 'Sởi', doses: 1 },
  je: { code: '7', name: 'VNNB (viêm não Nhật Bản)', doses: 3 },
  typhoid: { code: '9', name: 'Thương hàn Vi', doses: 1 },
  mr: { code: '10', name: 'MR (sởi – rubella)', doses: 1 },
  pentaxim: { code: '11', name: 'Pentaxim (DTaP-IPV-Hib)', doses: 4 },
  rotavin: { code: '19', name: 'Rotavin-M1', doses: 2 },
  varivax: { code: '33', name: 'Varivax', doses: 2 },
  gardasil: { code: '38', name: 'Gardasil', doses: 3 },
  cervarix: { code: '39', name: 'Cervarix', doses: 3 },
  tetanus: { code: '40', name: 'Uốn ván (giải độc tố)', doses: 2 },
  hepbAdult: { code: '53', name: 'Viêm gan B', doses: 3 },
  td: { code: '211', name: 'Td', doses: 1 },
} as const satisfies Record<string, Vaccine>;

/** One scheduled infant dose: the vaccine, dose number, days after birth, and where it is usually given. */
export interface InfantDose {
  vaccine: Vaccine;
  dose: number;
  day: number;
  at: 'birth' | 'programme' | 'private';
}

/** The infant's doses of its first six months (before the reference day), in order. */
export function infantSchedule(random: Random, ageDays: number): InfantDose[] {
  const plan: InfantDose[] = [
    { vaccine: V.hepbBirth, dose: 1, day: random.int(0, 1), at: 'birth' },
    { vaccine: V.bcg, dose: 1, day: random.int(3, 30), at: random.chance(0.5) ? 'birth' : 'programme' },
  ];
  const private_ = random.chance(0.25);
  for (const [n, base] of [[1, 60], [2, 90], [3, 120]] as const) {
    const day = base + random.int(0, 12);
    if (private_) plan.push({ vaccine: V.pentaxim, dose: n, day, at: 'private' });
    else plan.push({ vaccine: V.quinvaxem, dose: n, day, at: 'programme' }, { vaccine: V.opv, dose: n, day, at: 'programme' });
    if (private_ && n <= 2) plan.push({ vaccine: V.rotavin, dose: n, day, at: 'private' });
  }
  return plan.filter((d) => d.day < ageDays);
}

/** A dose for a person of `age` years (at the dose) who is not an infant under 6 months. */
export function doseForAge(random: Random, age: number, gender: 'male' | 'female'): { vaccine: Vaccine; dose: number } {
  const options: Vaccine[] =
    age < 2 ? [V.measles, V.mr, V.dpt, V.je, V.quinvaxem, V.opv, V.varivax]
      : age < 6 ? [V.je, V.varivax, V.mr, V.dpt, V.pentaxim]
        : age < 18 ? [V.td, V.tetanus, ...(gender === 'female' && age >= 9 ? [V.gardasil, V.gardasil] : []), V.varivax, V.typhoid]
          : gender === 'female' && age < 45 ? [V.tetanus, V.tetanus, V.cervarix, V.hepbAdult, V.typhoid]
            : [V.hepbAdult, V.tetanus, V.typhoid];
  const vaccine = random.pick(options);
  return { vaccine, dose: random.int(1, vaccine.doses) };
}

/** A lot number as printed on the vial. */
export function lotNumber(random: Random, vaccine: Vaccine): string {
  return `${vaccine.code.padStart(2, '0')}${String.fromCharCode(65 + random.int(0, 25))}${random.digits(4)}`;
}
