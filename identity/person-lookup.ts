import type { Db } from '../db/pool.js';
import { loadPersons, personsByIdentifiers, type PersonDemographics, type PersonRow } from './person-index.repo.js';

type KnownPerson = PersonRow & { demographics: PersonDemographics | null };

/**
 * The persons of a batch's CCCDs, read once per batch (two queries instead of two per record);
 * a number outside the batch's is read when asked. Ingest only reads the index, so what was read
 * at the start of the batch stays true for the batch.
 */
export class CccdLookup {
  private readonly found = new Map<string, string>();
  private readonly asked = new Set<string>();
  private readonly persons = new Map<string, KnownPerson>();

  constructor(private readonly db: Db) {}

  /** Read these CCCDs' persons and their details in one go. */
  async prefetch(cccds: readonly string[]): Promise<void> {
    const fresh = [...new Set(cccds)].filter((c) => !this.asked.has(c));
    if (fresh.length === 0) return;
    const hits = await personsByIdentifiers(this.db, fresh.map((value) => ({ system: 'cccd', value })));
    for (const c of fresh) this.asked.add(c);
    for (const [key, person] of hits) this.found.set(key.slice('cccd|'.length), person);
    const unknown = [...new Set(hits.values())].filter((p) => !this.persons.has(p));
    for (const [id, p] of await loadPersons(this.db, unknown)) this.persons.set(id, p);
  }

  /** The person holding each number (absent: nobody). */
  async personsOf(cccds: readonly string[]): Promise<Map<string, string>> {
    await this.prefetch(cccds);
    return new Map(cccds.flatMap((c) => (this.found.has(c) ? [[c, this.found.get(c)!] as const] : [])));
  }

  /** A person's row and demographics. */
  async person(id: string): Promise<KnownPerson | undefined> {
    if (!this.persons.has(id)) for (const [k, p] of await loadPersons(this.db, [id])) this.persons.set(k, p);
    return this.persons.get(id);
  }
}
