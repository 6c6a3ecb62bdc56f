import { describe, expect, it } from 'vitest';
import { TEST_SYSTEMS } from '../../test/helpers/formats.js';
import type { MappedItem } from '../contract.js';
import { isMappingError } from '../errors.js';
import { csvFormat } from './index.js';
import { checkCsvProfile, compileDatePattern } from './profile.js';
import type { CsvRow } from './reader.js';

/** A Vietnamese-headed export with two title lines, d/M/yyyy dates and local words for gender and status. */
const PROFILE = {
  kind: 'immunization',
  columns: { 'Số CCCD': 'patient.cccd', 'Họ và tên': 'patient.name', 'Ngày sinh': 'patient.birthDate', 'Giới tính': 'patient.gender',
    'Mã vắc xin': 'immunization.vaccineCode.national', 'Ngày tiêm': 'immunization.occurrence', 'Mũi': 'immunization.doseNumber', 'Trạng thái': 'immunization.status' },
  datePatterns: ['d/M/yyyy', 'd/M/yyyy HH:mm'],
  skipLines: 2,
  values: { 'patient.gender': { Trai: 'male', 'Gái': 'female' }, 'immunization.status': { 'Đã tiêm xong': '2' } },
};

function mapWith(options: Record<string, string>, text: string): MappedItem[] {
  const rows: CsvRow[] = [];
  const reader = csvFormat.createReader((r) => rows.push(r), { maxItems: 100, maxFieldChars: 10_000 }, options);
  reader.write(text);
  reader.end();
  return rows.map((r) => csvFormat.mapItem(r, { systems: TEST_SYSTEMS, envelopeFacility: '51001', options }));
}

describe('CSV column profiles', () => {
  const options = csvFormat.profiles!.apply(csvFormat.parseOptions!({ profile: 'tram-y-te' }), PROFILE);

  it('map a site\'s own headers, skip its title lines, read its declared date order and its words', () => {
    const text = 'BÁO CÁO TIÊM CHỦNG THÁNG 3\nTrạm y tế xã Phú Lộc;;;\n'
      + 'Số CCCD;Họ và tên;Ngày sinh;Giới tính;Mã vắc xin;Ngày tiêm;Mũi;Trạng thái\n'
      + '051325000417;Trần Thị Bống;14/1/2025;Gái;6;5/3/2026 08:15;1;Đã tiêm xong\n';
    const [item] = mapWith(options, text);
    expect(item!.position).toEqual({ row: 1, line: 4 });
    expect(item!.facts.issues).toEqual([]);
    expect(item!.facts.person).toMatchObject({ gender: 'female', birth: { fhirDate: '2025-01-14' } });
    expect(item!.facts.immunizations[0]).toMatchObject({ status: 'completed', doseNumber: 1, occurrence: { fhirDateTime: '2026-03-05T08:15:00+07:00' } });
  });

  it('take the kind from the profile, and refuse a kind that disagrees with it', () => {
    expect(JSON.parse(options.profile!).kind).toBe('immunization');
    const wrong = { ...options, kind: 'encounter' };
    expect(() => mapWith(wrong, 'Số CCCD\n1\n')).toThrow(/profile is for immunization files/);
  });

  it('are checked when stored, naming the member', () => {
    const member = (body: unknown) => {
      try {
        checkCsvProfile(body);
      } catch (err) {
        if (isMappingError(err)) return err.location;
        throw err;
      }
      return 'accepted';
    };
    expect(member(PROFILE)).toBe('accepted');
    expect(member([])).toBe('profile');
    expect(member({ ...PROFILE, kind: 'lab' })).toBe('kind');
    expect(member({ ...PROFILE, extra: 1 })).toBe('extra');
    expect(member({ ...PROFILE, columns: { X: 'encounter.class' } })).toBe('columns.x');
    expect(member({ ...PROFILE, datePatterns: ['dd/MM'] })).toBe('datePatterns');
    expect(member({ ...PROFILE, skipLines: -1 })).toBe('skipLines');
    expect(member({ ...PROFILE, values: { 'patient.nope': {} } })).toBe('values.patient.nope');
  });

  it('compile date patterns to anchored expressions', () => {
    expect(compileDatePattern('yyyyMMdd').exec('20250114')?.groups).toMatchObject({ y: '2025', mo: '01', d: '14' });
    expect(compileDatePattern('d.M.yyyy').test('1x4x2024')).toBe(false);
    expect(compileDatePattern('d.M.yyyy').test('1.4.2024')).toBe(true);
  });
});
