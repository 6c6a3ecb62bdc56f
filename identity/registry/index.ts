import type { Db } from '../../db/pool.js';
import { CircuitBreaker } from '../../resilience/circuit-breaker.js';
import { registryOff, type PopulationRegistry, type VerificationMode } from './port.js';
import { registryTable } from './registry-table.js';
import { remoteRegistry, type RemoteRegistryOptions } from './remote-registry.js';

/** What the composition root hands over (from VERIFICATION, REGISTRY_* in the config; docs/registry.md). */
export interface PopulationRegistryConfig {
  mode: VerificationMode;
  /** The gateway's pool: the registry table lives in the gateway's database. */
  db: Db;
  /** Required for `remote`: REGISTRY_URL, credentials, timeout and cache. */
  remote?: Omit<RemoteRegistryOptions, 'breaker'>;
  /** REGISTRY_BREAKER_FAILURES: consecutive failures that open the breaker of the remote service. */
  breakerFailures: number;
  /** REGISTRY_BREAKER_COOLDOWN_MS: how long it stays open before one trial call. */
  breakerCooldownMs: number;
}

/** The PopulationRegistry the deployment asked for: off, the roster table, or a remote service. */
export function createPopulationRegistry(config: PopulationRegistryConfig): PopulationRegistry {
  switch (config.mode) {
    case 'off':
      return registryOff;
    case 'registry':
      return registryTable(config.db);
    case 'remote': {
      if (!config.remote?.url) throw new Error('VERIFICATION=remote needs REGISTRY_URL');
      const breaker = new CircuitBreaker('population registry service', config.breakerFailures, config.breakerCooldownMs);
      return remoteRegistry({ ...config.remote, breaker });
    }
    default: {
      const mode: never = config.mode;
      throw new Error(`unknown VERIFICATION mode ${String(mode)}`);
    }
  }
}

export { compareWithRegistry } from './compare.js';
export { lookupRegistry, registryTable } from './registry-table.js';
export { remoteRegistry, type RemoteRegistryOptions } from './remote-registry.js';
export { importRoster, RosterFormatError, type RosterImportOptions, type RosterImportResult, type RosterProblem } from './roster-import.js';
export * from './port.js';
