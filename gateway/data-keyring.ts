import type { Logger } from 'pino';
import { DataKeyring } from '../db/encryption.js';
import type { Config } from './config.js';

/**
 * The keyring that seals raw submissions and record payloads at rest (docs/data-at-rest.md), or
 * null when DATA_ENCRYPTION=off. Warns loudly when the data is not really protected.
 */
export function dataKeyring(config: Pick<Config, 'dataAtRest'>, log: Logger): DataKeyring | null {
  const { keys, keySource } = config.dataAtRest;
  if (keySource === 'off') {
    log.warn('DATA_ENCRYPTION=off: raw submissions and record payloads are stored as PLAINTEXT; use only where the disk itself is encrypted');
    return null;
  }
  if (keySource === 'demo') {
    log.warn('DEMO mode without DATA_KEYS: data is sealed with the PUBLISHED demo key (docs/data-at-rest.md); anyone can read it, never store real patients');
  }
  return new DataKeyring(keys);
}
