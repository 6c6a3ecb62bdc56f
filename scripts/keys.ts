/**
 * API key management (CLI): npm run keys -- <command>
 *   create --role facility|portal|admin|auditor|linker [--facility MA_CSKCB] [--label text] [--expires-days N] [--scope bulk-read]
 *   list
 *   expiring [--days N]       active keys that expire within N days (default 30), soonest first
 *   rotate <key-id>
 *   revoke <key-id>
 * Uses DATABASE_URL. The full key is printed once at creation; only its SHA-256 hash is stored.
 */
import { runWithDatabase } from './lib/db-command.js';
import { parseArgs } from 'node:util';
import type pg from 'pg';
import { createApiKey, rotateApiKey } from '../gateway/auth/api-keys.js';
import { KEY_SCOPES, keysExpiringBefore, listKeys, revokeKey, ROLES, type ApiKeyRow, type Role } from '../gateway/store/keys.repo.js';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      role: { type: 'string' }, facility: { type: 'string' }, label: { type: 'string' }, 'expires-days': { type: 'string' },
      scope: { type: 'string', multiple: true }, days: { type: 'string' },
    },
  });
  const [command, arg] = positionals;
  return runWithDatabase(async (pool) => {
    switch (command) {
      case 'create': {
        const role = values.role as Role;
        if (!ROLES.includes(role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
        if (values.facility && !/^[0-9A-Za-z]{5}$/.test(values.facility)) throw new Error('--facility must be a 5-character MA_CSKCB');
        const days = values['expires-days'] ? Number(values['expires-days']) : undefined;
        if (days !== undefined && !(Number.isInteger(days) && days > 0 && days <= 3650)) throw new Error('--expires-days must be 1–3650');
        const scopes = values.scope ?? [];
        const unknown = scopes.filter((x) => !(KEY_SCOPES as readonly string[]).includes(x));
        if (unknown.length) throw new Error(`unknown --scope ${unknown.join(', ')}; known: ${KEY_SCOPES.join(', ')}`);
        const created = await createApiKey(pool, {
          role, facility: values.facility ?? null, label: values.label ?? '', scopes,
          expiresAt: days ? new Date(Date.now() + days * 86_400_000) : null,
        });
        console.log(`created key ${created.id} (${role}${values.facility ? ` ${values.facility}` : ''}); store it now, it is not shown again:\n${created.key}`);
        return 0;
      }
      case 'list': {
        console.log(['id', 'role', 'facility', 'state', 'expires', 'last used', 'scopes', 'label'].join('\t'));
        for (const k of await listKeys(pool)) console.log(keyLine(k));
        return 0;
      }
      case 'expiring': {
        const days = values.days ? Number(values.days) : 30;
        if (!(Number.isInteger(days) && days > 0)) throw new Error('--days must be a positive whole number');
        const soon = await keysExpiringBefore(pool, new Date(Date.now() + days * 86_400_000));
        console.log(soon.length ? `${soon.length} active key(s) expire within ${days} days:` : `no active key expires within ${days} days`);
        for (const k of soon) console.log(keyLine(k));
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
        console.error('usage: npm run keys -- create --role <role> [--facility MA_CSKCB] [--label text] [--expires-days N] [--scope bulk-read] | list | expiring [--days N] | rotate <id> | revoke <id>');
        return 2;
    }
  });
}

/** One tab-separated line per key (never the secret). */
function keyLine(k: ApiKeyRow): string {
  const now = new Date();
  const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : k.expiresAt && k.expiresAt < now ? 'expired' : 'active';
  return [k.id, k.role, k.facility ?? '-', state, k.expiresAt?.toISOString() ?? 'never', k.lastUsedAt?.toISOString() ?? 'never used', k.scopes.join(',') || '-', k.label].join('\t');
}

process.exit(await main());
