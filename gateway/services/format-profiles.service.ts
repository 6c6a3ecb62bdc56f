import type pg from 'pg';
import { badRequest, notFound } from '../../errors/outcome.js';
import type { FormatMapper, FormatOptions } from '../../mappers/contract.js';
import { quoteValue } from '../../mappers/shared/quote.js';
import { getFormatProfile, putFormatProfile } from '../store/format-profiles.repo.js';

/** Profile names: letters, digits, `-` and `_`, up to 64 (they appear in URLs and query strings). */
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

function checkName(name: string, expression: string): void {
  if (!PROFILE_NAME.test(name)) throw badRequest(`profile name ${quoteValue(name)} must be 1–64 letters, digits, - or _`, [expression]);
}

/** Check a profile body with its format's rules (MappingError → 400 naming the member) and store it. */
export async function storeFormatProfile(pool: pg.Pool, format: FormatMapper<unknown>, name: string, body: unknown, updatedBy: string | null) {
  checkName(name, 'name');
  if (!format.profiles) throw notFound(`format ${format.format} has no profiles`);
  const profile = format.profiles.check(body);
  const { created } = await putFormatProfile(pool, { format: format.format, name, body: profile, updatedBy });
  return { created, profile };
}

/** A stored profile's body, or 404. */
export async function readFormatProfile(pool: pg.Pool, format: FormatMapper<unknown>, name: string): Promise<unknown> {
  checkName(name, 'name');
  const row = await getFormatProfile(pool, format.format, name);
  if (!row) throw notFound(`no ${format.format} profile ${quoteValue(name)}`);
  return row.body;
}

/**
 * The options of a submission that names a stored profile (`?profile=`): the format merges the
 * stored body into them. Unknown profile → 400 naming `profile`; formats without profiles ignore it.
 */
export async function optionsWithProfile(pool: pg.Pool, format: FormatMapper<unknown>, query: Record<string, unknown>, options: FormatOptions): Promise<FormatOptions> {
  const name = query.profile;
  if (!format.profiles || typeof name !== 'string' || !name) return options;
  checkName(name, 'profile');
  const row = await getFormatProfile(pool, format.format, name);
  if (!row) throw badRequest(`no ${format.format} profile ${quoteValue(name)} is stored (PUT /api/${format.format}-profiles/${name})`, ['profile']);
  return format.profiles.apply(options, row.body);
}
