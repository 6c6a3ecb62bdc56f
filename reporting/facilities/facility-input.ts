import { levelOf, LEVEL_CODES, ownershipOf } from './facility-codes.js';
import { FACILITY_CODE, type FacilityArea, type FacilityInput, type Problem, type SuccessionInput } from './model.js';
import { isDay } from './text.js';

const FACILITY_FIELDS = ['name', 'level', 'ownership', 'areas'];
const AREA_FIELDS = ['validFrom', 'validTo', 'province', 'district', 'commune'];
const SUCCESSOR_FIELDS = ['newCode', 'effective', 'basis'];
/** Areas one facility may list (a handful in practice). */
const MAX_AREAS = 100;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/** Unknown fields are refused, so a misspelt one (`provice`) is not silently dropped. */
function onlyFields(b: Json, allowed: string[], prefix: string, problems: Problem[]): void {
  for (const k of Object.keys(b)) {
    if (!allowed.includes(k)) problems.push({ field: `${prefix}${k.slice(0, 50)}`, message: `unknown field; allowed: ${allowed.join(', ')}`, severity: 'error' });
  }
}

/** An optional string field: undefined/null → null; else a trimmed non-empty string of at most `max` characters, or a problem. */
function optionalText(b: Json, name: string, field: string, max: number, problems: Problem[]): string | null {
  const v = b[name];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v.trim() === '' || v.length > max) {
    problems.push({ field, message: `must be a non-empty string of at most ${max} characters, or null`, severity: 'error' });
    return null;
  }
  return v.trim();
}

/**
 * The body of `PUT /api/facilities/{code}` (`{name, level, ownership, areas: [{validFrom, validTo?,
 * province, district?, commune?}]}`) checked for shape: every problem is listed (field and message),
 * not only the first. The units themselves are checked against the list of each area's day by
 * `checkArea`, the periods by `checkPeriods`.
 */
export function facilityInputOf(code: string, raw: unknown): { input?: FacilityInput; problems: Problem[] } {
  const problems: Problem[] = [];
  const error = (field: string, message: string) => problems.push({ field, message, severity: 'error' });
  if (!FACILITY_CODE.test(code)) error('code', 'MA_CSKCB is 5 letters or digits');
  if (!isObject(raw)) return { problems: [...problems, { field: 'body', message: 'the body must be a JSON object', severity: 'error' }] };
  onlyFields(raw, FACILITY_FIELDS, '', problems);
  const name = optionalText(raw, 'name', 'name', 300, problems);
  if (name === null && !problems.some((p) => p.field === 'name')) error('name', 'required');
  const levelText = optionalText(raw, 'level', 'level', 100, problems);
  const level = levelText === null ? null : levelOf(levelText);
  if (level === undefined) error('level', `must be one of ${LEVEL_CODES.join(', ')} (or tuyến / cấp in Vietnamese)`);
  const ownershipText = optionalText(raw, 'ownership', 'ownership', 100, problems);
  const ownership = ownershipText === null ? null : ownershipOf(ownershipText);
  if (ownership === undefined) error('ownership', 'must be public or private (công lập / tư nhân)');
  const areas: FacilityArea[] = [];
  if (!Array.isArray(raw.areas)) error('areas', 'required: an array of {validFrom, validTo?, province, district?, commune?} (may be empty)');
  else if (raw.areas.length > MAX_AREAS) error('areas', `at most ${MAX_AREAS} areas`);
  else raw.areas.forEach((a, i) => { const area = areaOf(a, `areas[${i}].`, problems); if (area) areas.push(area); });
  if (problems.length > 0 || name === null || level === undefined || ownership === undefined) return { problems };
  return { input: { code, name, level, ownership, areas }, problems };
}

function areaOf(raw: unknown, prefix: string, problems: Problem[]): FacilityArea | undefined {
  const error = (field: string, message: string) => problems.push({ field: `${prefix}${field}`, message, severity: 'error' });
  if (!isObject(raw)) {
    error('', 'must be an object');
    return undefined;
  }
  const before = problems.length;
  onlyFields(raw, AREA_FIELDS, prefix, problems);
  const day = (name: string, required: boolean): string | null => {
    const v = raw[name];
    if ((v === undefined || v === null) && !required) return null;
    if (typeof v !== 'string' || !isDay(v)) error(name, `${required ? 'required: ' : ''}a date YYYY-MM-DD`);
    return typeof v === 'string' ? v : null;
  };
  const code = (name: string, re: RegExp, what: string, required: boolean): string | null => {
    const v = raw[name];
    if ((v === undefined || v === null || v === '') && !required) return null;
    if (typeof v !== 'string' || !re.test(v)) error(name, `${required ? 'required: ' : ''}${what}`);
    return typeof v === 'string' ? v : null;
  };
  const validFrom = day('validFrom', true);
  const validTo = day('validTo', false);
  const province = code('province', /^\d{2}$/, 'a 2-digit GSO province code', true);
  const district = code('district', /^\d{3}$/, 'a 3-digit GSO district code', false);
  const commune = code('commune', /^\d{5}$/, 'a 5-digit GSO commune code', false);
  if (problems.length > before || validFrom === null || province === null) return undefined;
  return { validFrom, validTo, province, district, commune };
}

/** The body of `POST /api/facilities/{code}/successor` (`{newCode, effective, basis?}`), checked. */
export function successionInputOf(oldCode: string, raw: unknown): { input?: SuccessionInput; problems: Problem[] } {
  const problems: Problem[] = [];
  const error = (field: string, message: string) => problems.push({ field, message, severity: 'error' });
  if (!FACILITY_CODE.test(oldCode)) error('code', 'MA_CSKCB is 5 letters or digits');
  if (!isObject(raw)) return { problems: [...problems, { field: 'body', message: 'the body must be a JSON object', severity: 'error' }] };
  onlyFields(raw, SUCCESSOR_FIELDS, '', problems);
  const { newCode, effective } = raw;
  if (typeof newCode !== 'string' || !FACILITY_CODE.test(newCode)) error('newCode', 'required: the 5-character MA_CSKCB the code changed to');
  else if (newCode === oldCode) error('newCode', 'is the same code');
  if (typeof effective !== 'string' || !isDay(effective)) error('effective', 'required: the date YYYY-MM-DD the code changed');
  const basis = optionalText(raw, 'basis', 'basis', 500, problems);
  if (problems.length > 0) return { problems };
  return { input: { oldCode, newCode: newCode as string, effective: effective as string, basis }, problems };
}
