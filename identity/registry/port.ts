/**
 * The population-registry port (CSDL quốc gia về dân cư, Luật Căn cước 2023): the identity stage
 * asks it whether the person a record describes is who the citizen ID says. Two implementations:
 * a registry table loaded from a roster extract (`registry-table.ts`), and a remote verification
 * service over HTTP (`remote-registry.ts`); `off` verifies nothing.
 */

/** Gender as the registry and the records carry it. */
export type RegistryGender = 'male' | 'female' | 'unknown';

/** What the registry is asked: the person as the record describes them. */
export interface VerifyQuery {
  /** 12-digit CCCD, structurally valid (the identity stage checks the structure first). */
  cccd: string;
  name?: string;
  /** FHIR `date` precision as sent: `yyyy`, `yyyy-mm` or `yyyy-mm-dd`. */
  birthDate?: string;
  gender?: RegistryGender;
  /** GSO codes of residence (province 2 digits, commune 5 digits), when the record has them. */
  address?: { province?: string; commune?: string };
}

/** A field the registry disagrees on; the identity stage names the record's source field for each. */
export type VerificationField = 'name' | 'birthDate' | 'gender' | 'address';

/** One person as the registry holds them. */
export interface RegistryPerson {
  cccd: string;
  name: string;
  /** `yyyy`, `yyyy-mm` or `yyyy-mm-dd` (the registry has partial birth dates too). */
  birthDate: string;
  gender: RegistryGender;
  province?: string;
  commune?: string;
  /** CCCDs this person held before (cancelled and re-issued), oldest first. */
  previousIds?: string[];
}

/** The registry's verdict on one query; `unavailable` is never turned into `mismatch`. */
export type Verification =
  | { outcome: 'verified'; person?: RegistryPerson }
  | { outcome: 'mismatch'; fields: VerificationField[]; person?: RegistryPerson }
  | { outcome: 'not_found' }
  | { outcome: 'unavailable'; reason: string };

/** Which verification a deployment runs (VERIFICATION=off|registry|remote). */
export type VerificationMode = 'off' | 'registry' | 'remote';

/** The port: verify many people in one call (one query or one HTTP request per batch, not per record). */
export interface PopulationRegistry {
  readonly mode: VerificationMode;
  verifyMany(queries: readonly VerifyQuery[]): Promise<Verification[]>;
}

/** Verify one person (the issue's `verifyPerson`): a batch of one. */
export async function verifyPerson(registry: PopulationRegistry, query: VerifyQuery): Promise<Verification> {
  const [answer] = await registry.verifyMany([query]);
  return answer ?? { outcome: 'unavailable', reason: 'the registry returned no answer' };
}

/**
 * Verification switched off (VERIFICATION=off): the identity stage checks `mode` and never asks;
 * a caller that asks anyway is told nothing was checked, never that the person was verified.
 */
export const registryOff: PopulationRegistry = {
  mode: 'off',
  async verifyMany(queries) {
    return queries.map(() => ({ outcome: 'unavailable' as const, reason: 'verification is off (VERIFICATION=off)' }));
  },
};
