/**
 * API key management (CLI): npm run keys -- <command>
 *   create --role facility|portal|admin|auditor|linker [--facility MA_CSKCB] [--label text] [--expires-days N]
 *   list
 *   rotate <key-id>
 *   revoke <key-id>
 * Uses DATABASE_URL. The full key is printed once at creation; only its SHA-256 hash is stored.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createApiKey, rotateApiKey } from '../gateway/auth/api-keys.js';
import { listKeys, revokeKey, ROLES, type Role } from '../gateway/store/keys.repo.js';
import { migrate } from '../db/migrate.js';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { role: { type: 'string' }, facility: { type: 'string' }, label: { type: 'string' }, 'expires-days': { type: 'string' } },
  });
  const [command, arg] = positionals;
  if (!process.env.DATABASE_URL) {
    console.error('DATABASE_URL is not set (for the npm start services: source .data/demo/env.sh, see README)');
    return 2;
  }
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
  try {
    await migrate(pool);
    switch (command) {
      case 'create': {
        const role = values.role as Role;
        if (!ROLES.includes(role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
        if (values.facility && !/^[0-9A-Za-z]{5}$/.test(values.facility)) throw new Error('--facility must be a 5-character MA_CSKCB');
        const days = values['expires-days'] ? Number(values['expires-days']) : undefined;
        const created = await createApiKey(pool, {
          role, facility: values.facility ?? null, label: values.label ?? '',
          expiresAt: days ? new Date(Date.now() + days * 86_400_000) : null,
        });
        console.log(`created key ${created.id} (${role}${values.facility ? ` ${values.facility}` : ''}); store it now, it is not shown again:\n${created.key}`);
        return 0;
      }
      case 'list': {
        for (const k of await listKeys(pool)) {
          const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : k.expiresAt && k.expiresAt < new Date() ? 'expired' : 'active';
          console.log([k.id, k.role, k.facility ?? '-', state, k.lastUsedAt?.toISOString() ?? 'never used', k.label].join('\t'));
        }
        return 0;
      }
      case 'rotate': {
        if (!arg) throw new Error('usage: rotate <key-id>');
        const created = await rotateApiKey(pool, arg);
        console.log(`key ${arg} revoked; replacement ${created.id}:\n${created.key}`);
        return 0;
      }
      case 'revoke': {
        if (!arg) throw new Error('usage: revoke <key-id>');
        const done = await revokeKey(pool, arg);
        console.log(done ? `key ${arg} revoked` : `no active key ${arg}`);
        return done ? 0 : 1;
      }
      default:
        console.error('usage: npm run keys -- create --role <role> [--facility MA_CSKCB] [--label text] [--expires-days N] | list | rotate <id> | revoke <id>');
        return 2;
    }
  } catch (err) {
    console.error((err as Error).message);
    return 1;
  } finally {
    await pool.end();
  }
}

process.exit(await main());
