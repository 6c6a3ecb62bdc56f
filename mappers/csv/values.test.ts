import { describe, expect, it } from 'vitest';
import { cccdDamage, isProblem, parseCsvDate, parseDoseStatus, parseGender } from './values.js';

const date = (raw: string, allowTime = true) => parseCsvDate(raw, 'col', allowTime);

describe('parseCsvDate', () => {
  it('reads ISO dates and local times (+07:00), and dd/MM/yyyy with two-digit day and month', () => {
    expect(date('2025-01-14')).toMatchObject({ fhirDate: '2025-01-14', fhirDateTime: '2025-01-14' });
    expect(date('2025-01-14T08:30')).toMatchObject({ fhirDateTime: '2025-01-14T08:30:00+07:00', minutes: 510 });
    expect(date('2025-01-14 08:30:15')).toMatchObject({ fhirDateTime: '2025-01-14T08:30:15+07:00' });
    expect(date('2025-01-14T08:30:00+07:00')).toMatchObject({ fhirDateTime: '2025-01-14T08:30:00+07:00' });
    expect(date('14/01/2025')).toMatchObject({ fhirDate: '2025-01-14' });
    expect(date('05/03/2024 07:05')).toMatchObject({ fhirDateTime: '2024-03-05T07:05:00+07:00' });
  });

  it('names Excel damage: date serials, d/M/yyyy, US MM/dd/yyyy, impossible dates, times where a date is due', () => {
    const message = (raw: string, allowTime = true) => {
      const d = date(raw, allowTime);
      return isProblem(d) ? `${d.category}: ${d.message}` : 'accepted';
    };
    expect(message('45678')).toMatch(/^SCHEMA: col "45678" is an Excel date serial number .*2025-01-21/);
    expect(message('45678,5')).toMatch(/Excel date serial/);
    expect(message('1/4/2024')).toMatch(/re-formatted by a spreadsheet .*cannot be told apart/);
    expect(message('12/31/24')).toMatch(/re-formatted/);
    expect(message('05/13/2024')).toMatch(/MM\/dd\/yyyy, a US format/);
    expect(message('2025-02-30')).toMatch(/not a calendar date/);
    expect(message('2025-01-14T08:30', false)).toMatch(/carries a time/);
    expect(message('2025-01-14T08:30:00Z')).toMatch(/is not a date/);
    expect(message('hôm qua')).toMatch(/is not a date/);
  });
});

describe('cccdDamage', () => {
  it('names scientific notation, a dropped leading zero and spaces inside; leaves other values to the identity stage', () => {
    expect(cccdDamage('4,63241E+11', 'patient.cccd')?.message).toMatch(/scientific notation/);
    expect(cccdDamage('4.63241E+11', 'patient.cccd')?.message).toMatch(/scientific notation/);
    expect(cccdDamage('5.1325E11', 'patient.cccd')?.category).toBe('CCCD_FORMAT');
    expect(cccdDamage('51325000417', 'patient.cccd')?.message).toMatch(/11 digits: .*leading 0/);
    expect(cccdDamage('051 325 000417', 'patient.cccd')?.message).toMatch(/spaces or separators/);
    expect(cccdDamage('051.325.000.417', 'patient.cccd')?.message).toMatch(/spaces or separators/);
    expect(cccdDamage('051325000417', 'patient.cccd')).toBeUndefined();
    expect(cccdDamage('05132500041A', 'patient.cccd')).toBeUndefined();
  });

  it('never quotes the digits of an ID it cannot use whole (only the scientific form, which holds no ID)', () => {
    expect(cccdDamage('51325000417', 'c')!.message).not.toMatch(/51325000417/);
    expect(cccdDamage('051 325 000417', 'c')!.message).not.toMatch(/325/);
  });
});

describe('parseDoseStatus and parseGender', () => {
  it('reads national codes 2–5 from trang-thai-mui-tiem.json and words', () => {
    expect(parseDoseStatus('2')).toEqual({ status: 'completed' });
    expect(parseDoseStatus('3')).toEqual({ status: 'not-done', reasonCode: 'MEDPREC' });
    expect(parseDoseStatus('4')).toEqual({ status: 'not-done', reasonCode: 'PATOBJ' });
    expect(parseDoseStatus('5')).toEqual({ status: 'not-done', reasonText: 'Tạm hoãn' });
    expect(parseDoseStatus('Đã tiêm'.normalize('NFD'))).toEqual({ status: 'completed' });
    expect(parseDoseStatus('NOT-DONE')).toEqual({ status: 'not-done' });
    expect(parseDoseStatus('1')).toBeUndefined();
  });

  it('reads gender words and QĐ 130 codes', () => {
    expect(['male', 'Nam', '1', 'F', 'Nữ', '2', '3', 'x'].map(parseGender)).toEqual(['male', 'male', 'male', 'female', 'female', 'female', 'unknown', undefined]);
  });
});
