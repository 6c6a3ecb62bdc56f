import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../db/pool.js';
import { findKey, insertKey, revokeKey, touchKey, type Role } from '../store/keys.repo.js';

/** Who is calling, after authentication. */
export interface Principal {
  keyId: string;
  role: Role;
  /** MA_CSKCB for facility keys. */
  facility: string | null;
  /** Extra permissions granted to the key (e.g. `bulk-read`), see README "Keys and roles". */
  scopes: readonly string[];
}

const KEY_FORMAT = /^fgw_([a-z0-9]{10})_([A-Za-z0-9]{32})$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomString(n: number, alphabet: string): string {
  const bytes = randomBytes(n * 2);
  let out = '';
  for (let i = 0; out.length < n && i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b < 256 - (256 % alphabet.length)) out += alphabet[b % alphabet.length];
  }
  return out.length === n ? out : randomString(n, alphabet);
}

/** SHA-256 of the secret: the secret has 190 bits of entropy, so a fast hash is enough at rest. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Create a key; the returned `key` is shown once and never stored. */
export async function createApiKey(
  db: Db,
  k: { role: Role; facility?: string | null; label?: string; expiresAt?: Date | null; fixedKey?: string; scopes?: readonly string[] },
): Promise<{ id: string; key: string }> {
  if (k.role === 'facility' && !k.facility) throw new Error('a facility key needs --facility MA_CSKCB');
  let id: string;
  let secret: string;
  const fixed = k.fixedKey ? KEY_FORMAT.exec(k.fixedKey) : null;
  if (k.fixedKey && !fixed) throw new Error('fixed key must look like fgw_<10 lowercase alphanumerics>_<32 alphanumerics>');
  if (fixed) [, id, secret] = fixed as unknown as [string, string, string];
  else {
    id = randomString(10, 'abcdefghijklmnopqrstuvwxyz0123456789');
    secret = randomString(32, ALPHABET);
  }
  await insertKey(db, { id, secretHash: hashSecret(secret), role: k.role, facility: k.facility ?? null, label: k.label ?? '', expiresAt: k.expiresAt ?? null, scopes: k.scopes ?? [] });
  return { id, key: `fgw_${id}_${secret}` };
}

/** Replace a key by a new one with the same role and facility; the old one is revoked at once. */
export async function rotateApiKey(db: Db, id: string): Promise<{ id: string; key: string }> {
  const old = await findKey(db, id);
  if (!old || old.revokedAt) throw new Error(`no active key ${id}`);
  const created = await createApiKey(db, { role: old.role, facility: old.facility, label: old.label, expiresAt: old.expiresAt, scopes: old.scopes });
  await revokeKey(db, id, created.id);
  return created;
}

/** Parse `fgw_<id>_<secret>`; undefined when malformed. */
export function parseKey(presented: string): { id: string; secret: string } | undefined {
  const m = KEY_FORMAT.exec(presented.trim());
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

/** `last_used_at` is written at most this often per key (and process): reads stay cheap. */
const TOUCH_EVERY_MS = 60_000;

/**
 * Verify a presented key against the store. Positive answers are cached for `cacheMs` (default 10 s),
 * which bounds how long a revoked key keeps working on a running process. A successful use is
 * recorded in `api_keys.last_used_at`, at most once a minute per key.
 */
export class KeyVerifier {
  private readonly cache = new Map<string, { principal: Principal; until: number; hash: string }>();
  private readonly touched = new Map<string, number>();
  constructor(private readonly db: Db, private readonly cacheMs = 10_000, private readonly now: () => number = Date.now) {}

  async verify(presented: string): Promise<Principal | undefined> {
    const principal = await this.check(presented);
    if (principal) this.touch(principal.keyId);
    return principal;
  }

  /** The principal of `presented` if this process verified it recently; no database work. */
  peek(presented: string): Principal | undefined {
    const parsed = parseKey(presented);
    if (!parsed) return undefined;
    const cached = this.cache.get(parsed.id);
    return cached && cached.until > this.now() && cached.hash === hashSecret(parsed.secret) ? cached.principal : undefined;
  }

  private async check(presented: string): Promise<Principal | undefined> {
    const parsed = parseKey(presented);
    if (!parsed) return undefined;
    const hash = hashSecret(parsed.secret);
    const cached = this.cache.get(parsed.id);
    if (cached && cached.until > this.now() && cached.hash === hash) return cached.principal;
    const row = await findKey(this.db, parsed.id);
    if (!row || row.revokedAt || (row.expiresAt && row.expiresAt.getTime() < this.now())) return undefined;
    const a = Buffer.from(row.secretHash, 'hex');
    const b = Buffer.from(hash, 'hex');
    if (a.length !== b.length || !timingSafeEqual(a, b)) return undefined;
    const principal: Principal = { keyId: row.id, role: row.role, facility: row.facility, scopes: row.scopes };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(row.id, { principal, until: this.now() + this.cacheMs, hash });
    return principal;
  }

  private touch(keyId: string): void {
    const t = this.now();
    if (t - (this.touched.get(keyId) ?? -Infinity) < TOUCH_EVERY_MS) return;
    if (this.touched.size > 10_000) this.touched.clear();
    this.touched.set(keyId, t);
    touchKey(this.db, keyId).catch(() => this.touched.delete(keyId)); // best effort: try again on the next use
  }
}
