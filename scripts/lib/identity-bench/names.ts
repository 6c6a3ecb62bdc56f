/**
 * Vietnamese names for the synthetic province: family names with their national frequencies
 * (Nguyễn ≈ 38 %; Huỳnh and Võ weighted up, as in the central provinces), middle and given names
 * by gender and generation, foreign names for passport holders, and the ways a name is spelled
 * differently without being another name (case, lost diacritics) or is mistyped (a letter dropped
 * or doubled).
 */
import { weightedTable, type Random } from './random.js';

/** Family names with frequencies in percent (Wikipedia "Vietnamese name"; Hoàng/Huỳnh, Vũ/Võ split towards the central spelling). */
export const FAMILY_NAMES = weightedTable<string>([
  ['Nguyễn', 38.4], ['Trần', 11], ['Lê', 9.5], ['Phạm', 7.1], ['Huỳnh', 3.1], ['Hoàng', 2.0], ['Phan', 4.5],
  ['Võ', 2.6], ['Vũ', 1.3], ['Đặng', 2.1], ['Bùi', 2.0], ['Đỗ', 1.4], ['Hồ', 1.3], ['Ngô', 1.3], ['Dương', 1.0], ['Lý', 0.5],
  ['Trương', 1.4], ['Đinh', 1.2], ['Mai', 0.9], ['Lương', 0.8], ['Đoàn', 0.9], ['Lâm', 0.6], ['Cao', 0.7], ['Tô', 0.4],
  ['Châu', 0.5], ['Tạ', 0.4], ['Hà', 0.6], ['Trịnh', 0.6], ['Thái', 0.4], ['La', 0.2], ['Kiều', 0.2], ['Nông', 0.1],
]);

const MALE_MIDDLE_OLD = weightedTable<string>([
  ['Văn', 45], ['Hữu', 6], ['Đức', 6], ['Minh', 5], ['Quang', 4], ['Công', 5], ['Thanh', 4], ['Ngọc', 3], ['Xuân', 3],
  ['Tấn', 6], ['Quốc', 4], ['Đình', 4], ['Trọng', 3], ['Bá', 2],
]);
const MALE_MIDDLE_NEW = weightedTable<string>([
  ['Văn', 15], ['Minh', 10], ['Gia', 8], ['Bảo', 7], ['Quốc', 6], ['Đức', 6], ['Hoàng', 5], ['Tuấn', 4], ['Anh', 4],
  ['Nhật', 4], ['Thanh', 4], ['Hữu', 3], ['Tấn', 4], ['Đăng', 4], ['Khánh', 3], ['Trung', 3],
]);
const FEMALE_MIDDLE_OLD = weightedTable<string>([
  ['Thị', 65], ['Ngọc', 5], ['Thu', 4], ['Thanh', 4], ['Kim', 4], ['Hồng', 3], ['Mỹ', 3], ['Xuân', 2], ['Bích', 2], ['Thúy', 2],
]);
const FEMALE_MIDDLE_NEW = weightedTable<string>([
  ['Thị', 25], ['Ngọc', 8], ['Bảo', 6], ['Khánh', 5], ['Minh', 5], ['Phương', 5], ['Thùy', 5], ['Gia', 4], ['Hoài', 3],
  ['Diệu', 3], ['Thanh', 4], ['Kim', 3], ['Mỹ', 4], ['Tường', 2], ['An', 3],
]);

const MALE_GIVEN = [
  'An', 'Anh', 'Bảo', 'Bình', 'Cường', 'Chiến', 'Dũng', 'Duy', 'Đạt', 'Định', 'Đông', 'Giang', 'Hải', 'Hào', 'Hậu', 'Hiếu',
  'Hoàng', 'Hùng', 'Huy', 'Hưng', 'Khang', 'Khoa', 'Khôi', 'Kiên', 'Lâm', 'Lộc', 'Long', 'Luân', 'Minh', 'Nam', 'Nghĩa',
  'Nhân', 'Phát', 'Phong', 'Phú', 'Phúc', 'Quân', 'Quang', 'Sang', 'Sơn', 'Tài', 'Tâm', 'Thái', 'Thắng', 'Thành', 'Thịnh',
  'Tiến', 'Toàn', 'Trí', 'Trung', 'Tuấn', 'Tùng', 'Việt', 'Vinh', 'Vũ', 'Bảy', 'Tám', 'Tư', 'Ba', 'Sáu',
] as const;
const FEMALE_GIVEN = [
  'An', 'Anh', 'Ánh', 'Châu', 'Chi', 'Diễm', 'Dung', 'Duyên', 'Giang', 'Hà', 'Hạnh', 'Hằng', 'Hiền', 'Hoa', 'Hồng', 'Huệ',
  'Hương', 'Khánh', 'Lan', 'Liên', 'Linh', 'Loan', 'Ly', 'Mai', 'My', 'Nga', 'Ngân', 'Ngọc', 'Nhi', 'Nhung', 'Oanh', 'Phượng',
  'Phương', 'Quyên', 'Quỳnh', 'Sương', 'Tâm', 'Thảo', 'Thu', 'Thủy', 'Thư', 'Trang', 'Trinh', 'Tuyết', 'Uyên', 'Vân', 'Vy',
  'Xuân', 'Yến', 'Đào', 'Bích', 'Lệ', 'Nguyệt', 'Diệp', 'Hậu', 'Mận', 'Lài', 'Cúc',
] as const;

/** A family name drawn with its national frequency. */
export function familyName(random: Random): string {
  return random.weighted(FAMILY_NAMES);
}

/** A full name, family name first: one middle name (sometimes two for the young), one given name. */
export function vietnameseName(random: Random, family: string, gender: 'male' | 'female', birthYear: number): string {
  const young = birthYear >= 1990;
  const middles = gender === 'male' ? (young ? MALE_MIDDLE_NEW : MALE_MIDDLE_OLD) : (young ? FEMALE_MIDDLE_NEW : FEMALE_MIDDLE_OLD);
  const given = random.pick(gender === 'male' ? MALE_GIVEN : FEMALE_GIVEN);
  const first = random.weighted(middles);
  const second = young && random.chance(0.12) ? random.weighted(middles) : undefined;
  const parts = [family, first, ...(second && second !== first && second !== given ? [second] : []), given];
  return parts.filter((p, i) => i === 0 || p !== parts[i - 1]).join(' ');
}

const FOREIGN = [
  { nationality: 'KOR', passportLetter: 'M', family: ['KIM', 'LEE', 'PARK', 'CHOI', 'JUNG'], given: ['MIN JUN', 'SEO YEON', 'JI HOON', 'HA EUN', 'DONG HYUN'] },
  { nationality: 'CHN', passportLetter: 'E', family: ['WANG', 'LI', 'ZHANG', 'LIU', 'CHEN'], given: ['WEI', 'FANG', 'JING', 'LEI', 'XIU YING'] },
  { nationality: 'JPN', passportLetter: 'T', family: ['TANAKA', 'SATO', 'SUZUKI', 'TAKAHASHI'], given: ['HIROSHI', 'YUKI', 'KENJI', 'AIKO'] },
  { nationality: 'USA', passportLetter: 'A', family: ['SMITH', 'JOHNSON', 'BROWN', 'MILLER'], given: ['JOHN', 'MARY', 'DAVID', 'SARAH'] },
] as const;

/** A foreigner's name (family name first, as passports are read at a Vietnamese facility), nationality and passport prefix. */
export function foreignName(random: Random): { name: string; nationality: string; passportLetter: string } {
  const f = random.pick(FOREIGN);
  return { name: `${random.pick(f.family)} ${random.pick(f.given)}`, nationality: f.nationality, passportLetter: f.passportLetter };
}

/** The name without diacritics, đ → d (what a keyboard without a Vietnamese input method gives): not another name. */
export function stripDiacritics(name: string): string {
  return name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').normalize('NFC');
}

/** Upper case, as registries and many HIS screens write names. */
export function upperName(name: string): string {
  return name.toLocaleUpperCase('vi').normalize('NFC');
}

/**
 * A mistyped name: one letter of a word of three or more letters dropped (never the first) or
 * doubled. The folded name always differs from the original, so it is another spelling, not a variant.
 */
export function typoName(random: Random, name: string): string {
  const words = name.split(' ');
  const long = words.map((w, i) => ({ w, i })).filter(({ w }) => [...w].length >= 3);
  const target = long.length ? long[long.length - 1 - (random.chance(0.3) ? random.int(0, long.length - 1) : 0)]! : { w: words[words.length - 1]!, i: words.length - 1 };
  const letters = [...target.w];
  const at = random.int(1, letters.length - 1);
  if (random.chance(0.5) && letters.length >= 3) letters.splice(at, 1);
  else letters.splice(at, 0, letters[at]!);
  words[target.i] = letters.join('');
  return words.join(' ');
}
