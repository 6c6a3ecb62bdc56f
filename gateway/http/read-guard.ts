import type { Request } from 'express';
import { forbidden } from '../../errors/outcome.js';
import type { RateStore } from './rate-store.js';

const HOUR = 3_600_000;
/** The scope that allows bulk reads (gateway/store/keys.repo.ts KEY_SCOPES). */
export const BULK_READ_SCOPE = 'bulk-read';

/**
 * Who may read many patients. A search that names no patient (a whole-province page-through) is a
 * bulk read, and so is reading more distinct patients per hour than `patientsPerHour` through one
 * key (counted in Redis, so across every gateway process). Bulk reads need the `bulk-read` scope;
 * without it they are refused with 403 before any data is returned, with it they are flagged in
 * the audit log (`bulk`) and in `GET /api/audit/usage`.
 */
export class ReadGuard {
  constructor(private readonly store: RateStore, private readonly patientsPerHour: number) {}

  private mayBulkRead(req: Request): boolean {
    return req.principal?.scopes.includes(BULK_READ_SCOPE) ?? false;
  }

  /** Before a search: refuse a search that names no patient unless the key may bulk-read; true when it is a bulk read. */
  checkSearch(req: Request, namesPatient: boolean): boolean {
    if (namesPatient) return false;
    if (!this.mayBulkRead(req)) {
      throw forbidden(`a ${req.method} ${req.baseUrl}${req.path} search that names no patient (patient, subject, identifier or _id) is a bulk read; it needs a key with scope ${BULK_READ_SCOPE}`);
    }
    return true;
  }

  /** Before answering with `patients`' data: count them for the key's hour; true when the key is past its limit (and may be). */
  async checkPatients(req: Request, patients: readonly string[]): Promise<boolean> {
    const keyId = req.principal?.keyId;
    if (!keyId || patients.length === 0) return false;
    const distinct = await this.store.addMembers(`patients:${keyId}`, HOUR, patients);
    if (distinct <= this.patientsPerHour) return false;
    if (!this.mayBulkRead(req)) {
      throw forbidden(`this key has read ${distinct} patients this hour, more than ${this.patientsPerHour} (BULK_READ_PATIENTS_PER_HOUR); reading more is a bulk read and needs scope ${BULK_READ_SCOPE}`);
    }
    return true;
  }
}
