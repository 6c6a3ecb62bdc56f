import type { Logger } from 'pino';
import type { Db } from '../../db/pool.js';
import { findKey, type Role } from '../store/keys.repo.js';
import { createApiKey, parseKey } from './api-keys.js';

/**
 * Fixed, publicly known keys for the README walk-through. Created only when DEMO=1 (npm start);
 * never enable demo mode on a server holding real data.
 */
export const DEMO_KEYS: ReadonlyArray<{ key: string; role: Role; facility?: string; label: string }> = [
  { key: 'fgw_demoadmin0_DemoAdminKeyNotForProduction0000', role: 'admin', label: 'demo admin' },
  { key: 'fgw_demoportal_DemoPortalKeyNotForProduction000', role: 'portal', label: 'demo EHR portal' },
  { key: 'fgw_demoaudit0_DemoAuditorKeyNotForProduction00', role: 'auditor', label: 'demo auditor' },
  { key: 'fgw_demo460010_DemoFacility46001KeyNotForProduc', role: 'facility', facility: '46001', label: 'demo facility 46001' },
  { key: 'fgw_demo510010_DemoFacility51001KeyNotForProduc', role: 'facility', facility: '51001', label: 'demo facility 51001' },
];

/** Create the demo keys that do not exist yet. */
export async function seedDemoKeys(db: Db, log: Logger): Promise<void> {
  for (const k of DEMO_KEYS) {
    const parsed = parseKey(k.key);
    if (!parsed) throw new Error(`demo key ${k.label} is malformed`);
    if (await findKey(db, parsed.id)) continue;
    await createApiKey(db, { role: k.role, facility: k.facility ?? null, label: k.label, fixedKey: k.key });
  }
  log.warn('DEMO mode: demo API keys are active (see README); do not use with real data');
}
