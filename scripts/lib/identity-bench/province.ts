/**
 * The synthetic province of the identity benchmark (docs/identity-benchmark.md): a seeded,
 * deterministic population of Quảng Ngãi (people.ts), the roster extract the province receives
 * from the population database with its drift (registry.ts), registry padding of other people,
 * and the vaccination feed with injected errors and ground truth (feed.ts).
 *
 *   const province = generateProvince({ people: 100_000, seed: 1 });
 *   const registry = registryExtract(province);
 *   const { rows, truth } = feed(province, { records: 120_000, registry });
 */
import { buildPopulation, type PopulationOptions } from './people.js';
import type { Province } from './types.js';

export { feed, type FeedOptions } from './feed.js';
export { DEFAULT_DRIFT, inRegistry, padRegistry, registryExtract, type RegistryDrift, type RegistryExtract, type RegistryRow } from './registry.js';
export { FEED_COLUMNS, feedCsv, registryCsv, registryHeader, registryLine } from './cells.js';
export { DEFAULT_RATES, type InjectionRates } from './rates.js';

/** Options of the province (`people` at least; the rest has defaults). */
export type ProvinceOptions = Partial<Omit<PopulationOptions, 'people'>> & { people: number };

/** Generate the province: about `people` people (a few more when the last household overflows), the same for the same seed. */
export function generateProvince(opts: ProvinceOptions): Province {
  const seed = opts.seed ?? 1;
  const { people, referenceDate } = buildPopulation({ ...opts, seed });
  return { seed, referenceDate, people, byId: new Map(people.map((p) => [p.id, p])) };
}
