/**
 * Default injection rates of the feed (share of all rows), scaled from the Quảng Ngãi report of
 * February 2023 (75,660 of ~3 million doses not cleaned: 6,949 without CCCD, 3,094 malformed,
 * 65,617 not matching the population database) towards what a live feed sends before cleaning, and
 * the Huế report (infants under the mother's name, duplicates). docs/identity-benchmark.md has the
 * same table with the outcome a correct gateway gives to each.
 */
import type { ErrorKind } from './types.js';

/** Kinds injected by quota (each a share of all rows); `not-in-registry` comes from the registry drift instead. */
export type InjectedKind = Exclude<ErrorKind, 'not-in-registry'>;

/** Share of all feed rows per injected kind. */
export type InjectionRates = Record<InjectedKind, number>;

/** The defaults (sum of the errors ≈ 15 %, plus 10 % of names typed without diacritics). */
export const DEFAULT_RATES: Readonly<InjectionRates> = Object.freeze({
  'missing-cccd': 0.03,
  'malformed-cccd': 0.015,
  'wrong-century': 0.005,
  'typed-name': 0.03,
  'lost-diacritics': 0.10,
  'dob-swap': 0.012,
  'wrong-gender': 0.008,
  'infant-under-mother': 0.02,
  'cmnd-only': 0.01,
  'bhyt-only': 0.015,
  'reissued-cccd': 0.003,
  duplicate: 0.01,
});

/**
 * Order in which quotas are filled: the kinds with the fewest eligible rows first, so each finds
 * rows; infants and duplicates are built separately, lost diacritics last (they combine with the others).
 */
export const QUOTA_ORDER = [
  'reissued-cccd', 'cmnd-only', 'dob-swap', 'bhyt-only', 'wrong-century', 'wrong-gender', 'malformed-cccd', 'missing-cccd', 'typed-name',
] as const satisfies readonly InjectedKind[];

/** The seed category of each kind, for "share of injected errors caught per category". */
export type SeedCategory = 'no-id' | 'malformed-id' | 'verification-mismatch' | 'infants' | 'duplicates' | 'reissued' | 'diacritics';

/** Every category, in report order. */
export const SEED_CATEGORIES: readonly SeedCategory[] = ['no-id', 'malformed-id', 'verification-mismatch', 'infants', 'duplicates', 'reissued', 'diacritics'];

/** Which category a kind counts in (the Quảng Ngãi groups first, then the Huế ones). */
export const CATEGORY_OF: Readonly<Record<ErrorKind, SeedCategory>> = {
  'missing-cccd': 'no-id',
  'cmnd-only': 'no-id',
  'bhyt-only': 'no-id',
  'malformed-cccd': 'malformed-id',
  'wrong-century': 'malformed-id',
  'typed-name': 'verification-mismatch',
  'dob-swap': 'verification-mismatch',
  'wrong-gender': 'verification-mismatch',
  'not-in-registry': 'verification-mismatch',
  'infant-under-mother': 'infants',
  duplicate: 'duplicates',
  'reissued-cccd': 'reissued',
  'lost-diacritics': 'diacritics',
};
