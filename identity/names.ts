/**
 * Vietnamese name and birth-date comparison, fair to how staff type them: case, diacritics,
 * spacing, đ/d, NFC vs NFD ("Nguyễn Văn A" / "NGUYEN VAN A" / "Nguyen  Van A").
 * Placeholder signatures: the implementation and its table-driven tests land with this file.
 */

/** How two names agree: identical once case and spacing are ignored, equal once diacritics and đ/d are folded, or different. */
export type NameAgreement = 'exact' | 'variant' | 'different';

/** How two birth dates of FHIR `date` precision agree: the same, one a prefix of the other (`1990` / `1990-05-12`), or different. */
export type DateAgreement = 'exact' | 'compatible' | 'different';
