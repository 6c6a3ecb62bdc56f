import type { Db } from '../db/pool.js';
import type { MatchCandidate, MatchSubject } from './match-score.js';
import { foldName } from './names.js';
import { identifiersOf, loadPersons, personsByDemographics, personsByIdentifiers } from './person-index.repo.js';

/** Person-index systems of a subject's identifiers (see identity/migrations/002_person_index.sql). */
function subjectIdentifiers(s: MatchSubject): Array<{ system: string; value: string }> {
  const ids: Array<{ system: string; value: string }> = [];
  if (s.cccd) ids.push({ system: 'cccd', value: s.cccd });
  if (s.bhytSocial) ids.push({ system: 'bhxh', value: s.bhytSocial });
  if (s.cmnd) ids.push({ system: 'cmnd', value: s.cmnd });
  if (s.passport) ids.push({ system: 'passport', value: s.passport });
  if (s.patientNumber) ids.push({ system: `patient-number/${s.patientNumber.facility}`, value: s.patientNumber.value });
  return ids;
}

/**
 * The known patients a record might be: everyone holding one of its identifiers (BHXH number,
 * CMND, passport, the facility's patient number), and everyone sharing its folded name and birth
 * year or its birth date and commune (blocking keys; at most 20 each), as match candidates.
 */
export async function findCandidates(db: Db, subject: MatchSubject): Promise<MatchCandidate[]> {
  const byId = await personsByIdentifiers(db, subjectIdentifiers(subject));
  const byDemo = await personsByDemographics(db, {
    ...(subject.name ? { nameKey: foldName(subject.name) } : {}),
    ...(subject.birthDate ? { birthDate: subject.birthDate } : {}),
    ...(subject.commune ? { commune: subject.commune } : {}),
  });
  const ids = [...new Set([...byId.values(), ...byDemo])];
  const persons = await loadPersons(db, ids);
  const identifiers = await identifiersOf(db, ids);
  return ids.flatMap((id) => {
    const p = persons.get(id);
    if (!p || p.state !== 'active') return [];
    const own = identifiers.get(id) ?? [];
    const values = (system: string) => own.filter((i) => i.system === system).map((i) => i.value);
    const d = p.demographics;
    const verified = p.verified;
    const name = verified?.name;
    return [{
      personId: id,
      cccds: values('cccd'),
      bhytSocial: values('bhxh'),
      cmnd: values('cmnd'),
      passports: values('passport'),
      patientNumbers: own.filter((i) => i.system.startsWith('patient-number/')).map((i) => ({ facility: i.system.slice('patient-number/'.length), value: i.value })),
      // Matching compares folded names, so the folded key stands in for the name when the registry gave none.
      ...(name ? { name } : d?.nameKey ? { name: d.nameKey } : {}),
      ...(d?.birthDate ? { birthDate: d.birthDate } : {}),
      ...(d?.gender === 'male' || d?.gender === 'female' ? { gender: d.gender } : {}),
      ...(d?.commune ? { commune: d.commune } : {}),
    }];
  });
}
