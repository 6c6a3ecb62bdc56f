import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Encryption at rest of the personal data the gateway stores (raw submissions, parsed source
 * payloads, raw archives): AES-256-GCM (NIST SP 800-38D) with a random 96-bit nonce per value.
 * Health data is sensitive personal data (Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15, NĐ 356/2025).
 *
 * A sealed value is `[version 0x01][key id][nonce 12][ciphertext][tag 16]` (30 bytes of overhead).
 * The key id names the key it was sealed with, so keys rotate without re-encrypting first: the
 * keyring's first key seals, every listed key opens. The version and key id bytes and a caller's
 * context (e.g. `submission_chunks/<id>/<seq>`) are authenticated as additional data, so a value
 * moved to another row, or a changed header, fails to open instead of yielding another row's data.
 */

/** One data key: an id (0–255, stored in every value it seals) and 32 key bytes. */
export interface DataKey {
  id: number;
  key: Uint8Array;
}

/** Why a sealed value could not be opened; the message never contains the data. */
export class SealedDataError extends Error {
  override name = 'SealedDataError' as const;
  constructor(readonly reason: 'malformed' | 'unknown-key' | 'tampered', message: string) {
    super(message);
  }
}

/** The format version byte of every sealed value. */
export const SEALED_VERSION = 0x01;
/** Bytes a sealed value adds to its plaintext: version, key id, nonce, tag. */
export const SEALED_OVERHEAD = 2 + 12 + 16;
/** Offset of the key id byte (so SQL can find rows by key: `get_byte(col, 1)`). */
export const SEALED_KEY_ID_OFFSET = 1;

/**
 * The published key of demo mode (DEMO=1 with no DATA_KEYS): SHA-256 of a fixed phrase, id 0.
 * Anyone can read data sealed with it; it exists so the walk-through runs from a fresh clone.
 */
export const DEMO_DATA_KEY: DataKey = Object.freeze({
  id: 0,
  key: createHash('sha256').update('vn-fhir-linkage-gateway demo data key: not for real data').digest(),
});

const KEY_SPEC = /^(\d{1,3}):([A-Za-z0-9+/]{43}=?)$/;

/**
 * Parse `DATA_KEYS`: a comma list of `id:base64key` (32-byte keys, ids 1–255), the current key
 * first. Throws a plain Error naming the problem (never echoing key material).
 */
export function parseDataKeys(spec: string): DataKey[] {
  const keys: DataKey[] = [];
  const parts = spec.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) throw new Error('DATA_KEYS is empty; expected id:base64key[,id:base64key…]');
  parts.forEach((part, i) => {
    const m = KEY_SPEC.exec(part);
    if (!m) throw new Error(`DATA_KEYS entry ${i + 1} is not id:base64key with a 32-byte key (44 base64 characters); generate one with \`npm run data -- new-key <id>\``);
    const id = Number(m[1]);
    if (id < 1 || id > 255) throw new Error(`DATA_KEYS entry ${i + 1}: key id ${id} is outside 1–255 (0 is the published demo key)`);
    const key = Buffer.from(m[2]!, 'base64');
    if (key.length !== 32) throw new Error(`DATA_KEYS entry ${i + 1} (id ${id}): the key is ${key.length} bytes, not 32`);
    if (keys.some((k) => k.id === id)) throw new Error(`DATA_KEYS lists key id ${id} twice`);
    keys.push({ id, key });
  });
  return keys;
}

/** A fresh random key as a `DATA_KEYS` entry. */
export function newDataKeySpec(id: number): string {
  if (!Number.isInteger(id) || id < 1 || id > 255) throw new Error('a key id is an integer from 1 to 255');
  return `${id}:${randomBytes(32).toString('base64')}`;
}

/** The additional authenticated data of a value: its version and key id bytes, then its context. */
function aad(header: Buffer, context: string): Buffer {
  const out = Buffer.allocUnsafe(2 + Buffer.byteLength(context, 'utf8'));
  header.copy(out, 0, 0, 2);
  out.write(context, 2, 'utf8');
  return out;
}

/** Seals with the current key and opens with any listed key. */
export class DataKeyring {
  private readonly keys = new Map<number, Buffer>();
  /** Id of the key new values are sealed with (the first listed). */
  readonly currentId: number;

  constructor(keys: readonly DataKey[]) {
    if (keys.length === 0) throw new Error('a keyring needs at least one key');
    for (const k of keys) {
      if (k.key.length !== 32) throw new Error(`data key ${k.id} is not 32 bytes`);
      this.keys.set(k.id, Buffer.from(k.key));
    }
    this.currentId = keys[0]!.id;
  }

  /** Ids of the keys this keyring can open, current first. */
  get ids(): number[] {
    return [...this.keys.keys()];
  }

  /** Encrypt `plain` (bytes, or a string sealed as UTF-8) under the current key, bound to `context` (where the value is stored). */
  seal(plain: Uint8Array | string, context: string): Buffer {
    const length = typeof plain === 'string' ? Buffer.byteLength(plain, 'utf8') : plain.length;
    const out = Buffer.allocUnsafe(length + SEALED_OVERHEAD);
    out[0] = SEALED_VERSION;
    out[1] = this.currentId;
    const nonce = this.nextNonce();
    nonce.copy(out, 2);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId)!, nonce);
    cipher.setAAD(aad(out.subarray(0, 2), context));
    const body = typeof plain === 'string' ? cipher.update(plain, 'utf8') : cipher.update(plain);
    body.copy(out, 14);
    const last = cipher.final(); // empty for GCM (a stream mode), copied for completeness
    last.copy(out, 14 + body.length);
    cipher.getAuthTag().copy(out, out.length - 16);
    return out;
  }

  private noncePool = Buffer.alloc(0);
  private nonceAt = 0;

  /**
   * A fresh random 96-bit nonce (SP 800-38D §8.2.2), taken from a pool filled by the CSPRNG 4 KB at
   * a time: one `randomBytes` call costs about as much as sealing a 1 KB payload. Each slice is used once.
   */
  private nextNonce(): Buffer {
    if (this.nonceAt + 12 > this.noncePool.length) {
      this.noncePool = randomBytes(12 * 341);
      this.nonceAt = 0;
    }
    const nonce = this.noncePool.subarray(this.nonceAt, this.nonceAt + 12);
    this.nonceAt += 12;
    return nonce;
  }

  /** Decrypt a value `seal` produced for the same `context`; throws SealedDataError, never returns garbage. */
  open(sealed: Uint8Array, context: string): Buffer {
    const buf = Buffer.isBuffer(sealed) ? sealed : Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    if (buf.length < SEALED_OVERHEAD || buf[0] !== SEALED_VERSION) {
      throw new SealedDataError('malformed', `${context}: not a sealed value (format version ${buf[0] ?? 'missing'}, ${buf.length} bytes)`);
    }
    const keyId = buf[SEALED_KEY_ID_OFFSET]!;
    const key = this.keys.get(keyId);
    if (!key) {
      throw new SealedDataError('unknown-key', `${context}: sealed with data key ${keyId}, which DATA_KEYS does not list (it lists ${this.ids.join(', ')})`);
    }
    const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(2, 14));
    decipher.setAAD(aad(buf.subarray(0, 2), context));
    decipher.setAuthTag(buf.subarray(buf.length - 16));
    try {
      return Buffer.concat([decipher.update(buf.subarray(14, buf.length - 16)), decipher.final()]);
    } catch {
      throw new SealedDataError('tampered', `${context}: authentication failed under data key ${keyId}: the value was altered or belongs to another row`);
    }
  }

  /** The key id a sealed value names (without opening it). */
  static keyIdOf(sealed: Uint8Array): number | undefined {
    return sealed.length >= SEALED_OVERHEAD && sealed[0] === SEALED_VERSION ? sealed[SEALED_KEY_ID_OFFSET] : undefined;
  }
}
