/**
 * Places of the synthetic province (Quảng Ngãi, GSO province 51, CCCD birth-registration code
 * 051): its 13 pre-2025 districts (vn-health-data §7.1), about 170 communes with 5-digit codes in
 * the GSO format (synthetic numbers, not the real list), the facilities that vaccinate (5-character
 * MA_CSKCB), and the birth-registration provinces of people who moved in.
 */
import { weightedTable, type Random } from './random.js';

/** A district (huyện) of the province before the 2025 reform. */
export interface District {
  code: string;
  name: string;
  /** The district health centre (TTYT) that vaccinates its communes. */
  facility: string;
}

/** A commune or ward, with its 5-digit GSO-format code. */
export interface Commune {
  code: string;
  name: string;
  district: District;
}

/** A facility that sends vaccination records. */
export interface Facility {
  code: string;
  name: string;
  kind: 'hospital' | 'maternity' | 'district' | 'private';
}

/** GSO province code (MA_TINH) and CCCD birth-registration code of the province. */
export const PROVINCE = { gso: '51', cccd: '051', name: 'Quảng Ngãi' } as const;

const DISTRICTS: ReadonlyArray<readonly [string, string, string, number]> = [
  ['522', 'TP Quảng Ngãi', 'Nghĩa', 23], ['524', 'Bình Sơn', 'Bình', 22], ['525', 'Trà Bồng', 'Trà', 12], ['527', 'Sơn Tịnh', 'Tịnh', 11],
  ['528', 'Tư Nghĩa', 'Nghĩa', 15], ['529', 'Sơn Hà', 'Sơn', 13], ['530', 'Sơn Tây', 'Sơn', 9], ['531', 'Minh Long', 'Long', 5],
  ['532', 'Nghĩa Hành', 'Hành', 12], ['533', 'Mộ Đức', 'Đức', 13], ['534', 'TX Đức Phổ', 'Phổ', 15], ['535', 'Ba Tơ', 'Ba', 17], ['536', 'Lý Sơn', 'An', 3],
];
const COMMUNE_WORDS = ['An', 'Hòa', 'Thạnh', 'Hiệp', 'Phước', 'Thuận', 'Minh', 'Tân', 'Trung', 'Đông', 'Tây', 'Nam', 'Bắc', 'Lợi', 'Phú', 'Sơn', 'Hải', 'Kỳ', 'Lộc', 'Mỹ', 'Thọ', 'Điền', 'Vinh', 'Châu'];

/** The 13 districts, each with its health centre 51011 … 51023. */
export const districts: readonly District[] = DISTRICTS.map(([code, name], i) => ({ code, name, facility: `510${String(11 + i)}` }));

/** About 170 communes (the real province had 173 before 2025), codes 21001 upwards in steps of 7. */
export const communes: readonly Commune[] = DISTRICTS.flatMap(([, , prefix, count], d) =>
  Array.from({ length: count }, (_, i): Commune => {
    const n = d * 31 + i;
    const word = COMMUNE_WORDS[n % COMMUNE_WORDS.length]!; // distinct within a district (at most 23 communes, 24 words)
    return { code: String(21001 + 7 * n), name: `Xã ${prefix} ${word}`, district: districts[d]! };
  }));

/** Every facility of the feed: two provincial hospitals, the 13 district centres, two private vaccination centres. */
export const facilities: readonly Facility[] = [
  { code: '51001', name: 'Bệnh viện Đa khoa tỉnh Quảng Ngãi', kind: 'hospital' },
  { code: '51002', name: 'Bệnh viện Sản – Nhi tỉnh Quảng Ngãi', kind: 'maternity' },
  ...districts.map((d): Facility => ({ code: d.facility, name: `Trung tâm Y tế ${d.name}`, kind: 'district' })),
  { code: '51101', name: 'Phòng tiêm chủng dịch vụ 1', kind: 'private' },
  { code: '51102', name: 'Phòng tiêm chủng dịch vụ 2', kind: 'private' },
];

/** Where the province's residents had their birth registered: mostly here, some elsewhere (TT 07/2016 codes). */
const BIRTH_PROVINCES = weightedTable<string>([
  ['051', 85], ['049', 3], ['048', 3], ['052', 2.5], ['062', 2], ['046', 1.5], ['079', 2], ['001', 1],
]);

/** A resident's birth-registration province (3-digit CCCD code). */
export function birthProvince(random: Random): string {
  return random.weighted(BIRTH_PROVINCES);
}

/** Birth-registration codes used by the province's residents; padding rows of the registry use none of them. */
export const RESIDENT_BIRTH_PROVINCES: readonly string[] = BIRTH_PROVINCES.entries.map(([code]) => code);

/** Codes for the registry's padding rows (people of other provinces): valid codes none of the residents use. */
export const OTHER_PROVINCES: readonly string[] = ['038', '040', '042', '044', '045', '056', '064', '066', '068', '075', '080', '082', '083', '086', '087', '089', '092', '094', '096'];

/** The GSO 2-digit province of a 3-digit birth-registration code. */
export function gsoOf(cccdProvince: string): string {
  return cccdProvince.slice(1);
}

/** A house address in a commune (Patient.address.text of the feed). */
export function addressText(random: Random, commune: Commune): string {
  return `Thôn ${random.int(1, 9)}, ${commune.name}, ${commune.district.name}, ${PROVINCE.name}`;
}
