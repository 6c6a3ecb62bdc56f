/** Who the record belongs to, as the identity stage decided. */
export interface PatientIdentity {
  patientId: string;
  /** The CCCD the Patient is keyed by; absent for a foreigner (passport), an infant (temporary number) or a record matched without one. */
  cccd?: string;
  /** What keys a Patient without a CCCD: a foreigner's passport, an infant's temporary number. */
  key?: { kind: 'passport' | 'temporary'; value: string };
  /** An infant registered under the mother's ID: the mother (RelatedPerson MTH, Patient.link). */
  mother?: { cccd: string; name?: string };
  /** The children of the record's birth certificates (QĐ 130 XML9) as their own Patients, by index in `facts.births`. */
  births?: Array<{ index: number; patientId: string; temporary: string }>;
}
