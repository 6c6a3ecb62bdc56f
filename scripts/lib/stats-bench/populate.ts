import type pg from 'pg';

/** The synthetic province of the statistics benchmark. */
export interface StatsBenchShape {
  records: number;
  facilities: number;
  /** First arrival day; records spread evenly over `months` months from it. */
  firstDay: string;
  months: number;
}

/** Formats the synthetic submissions come in, with their share of facilities. */
const FORMATS = ['qd130', 'hl7v2', 'csv', 'fhir'] as const;

/**
 * Register `facilities` facilities in two provinces (46, 51): the old district until 30/06/2025, the
 * new province and a commune from 01/07/2025; five of them changed code in a merger. One submission
 * per facility and format holds their records.
 */
export async function registerFacilities(db: pg.Pool, shape: StatsBenchShape): Promise<string[]> {
  await db.query(
    `INSERT INTO facilities (code, name, level, ownership)
     SELECT lpad(((CASE WHEN g % 2 = 0 THEN 46 ELSE 51 END) * 1000 + g)::text, 5, '0'), 'Cơ sở ' || g, 'district', CASE WHEN g % 5 = 0 THEN 'private' ELSE 'public' END
       FROM generate_series(1, $1) g ON CONFLICT DO NOTHING`,
    [shape.facilities],
  );
  await db.query(
    `INSERT INTO facility_areas (facility, valid_from, valid_to, province, district, commune)
     SELECT code, DATE '2000-01-01', DATE '2025-06-30', left(code, 2), left(code, 2) || (right(code, 1)::int % 9)::text, NULL::text FROM facilities
     UNION ALL
     SELECT code, DATE '2025-07-01', NULL::date, left(code, 2), NULL, left(code, 2) || lpad((right(code, 2)::int % 40)::text, 3, '0') FROM facilities
     ON CONFLICT DO NOTHING`,
  );
  await db.query(
    `INSERT INTO facility_successions (old_code, new_code, effective, basis)
     SELECT 'M' || lpad(g::text, 4, '0'), (SELECT code FROM facilities ORDER BY code OFFSET g LIMIT 1), '2025-07-01', 'benchmark merger'
       FROM generate_series(1, 5) g ON CONFLICT DO NOTHING`,
  );
  const { rows } = await db.query<{ code: string }>('SELECT code FROM facilities ORDER BY code');
  const codes = rows.map((r) => r.code);
  await db.query(
    `INSERT INTO submissions (id, format, facility)
     SELECT md5(f.code || fmt)::uuid, fmt, f.code FROM facilities f, unnest($1::text[]) fmt ON CONFLICT DO NOTHING`,
    [FORMATS],
  );
  return codes;
}

/**
 * Insert `count` records starting at sequence `offset`, in one statement, as ingest would leave
 * them after linkage (each facility's HIS speaks one format, as in a province): mostly linked; rejected in the seeds' categories; some held, failed and
 * pending; encounters and immunizations; arrival days spread over the period; service dates up to
 * a week earlier. The statistics triggers count them as they land.
 */
export async function insertRecordBatch(db: pg.Pool, shape: StatsBenchShape, offset: number, count: number): Promise<void> {
  const spanDays = Math.round(shape.months * 30.44);
  await db.query(
    `WITH src AS (
       SELECT g, (SELECT array_agg(code ORDER BY code) FROM facilities) AS codes,
              (hashint8(g) & 1023) AS h, (hashint8(g * 7) & 1023) AS h2
         FROM generate_series($1::bigint, $1::bigint + $2 - 1) g)
     INSERT INTO records (submission_id, seq, facility, record_key, status, category, payload, kind, doses, received_at, service_date, visit_type, insured)
     SELECT md5(fac || (ARRAY['qd130','hl7v2','csv','fhir'])[1 + (fi % 4)])::uuid, g, fac, 'K' || g,
            CASE WHEN h < 880 THEN 'linked' WHEN h < 960 THEN 'rejected' WHEN h < 980 THEN 'held' WHEN h < 995 THEN 'failed' ELSE 'accepted' END,
            CASE WHEN h >= 880 AND h < 960 THEN (ARRAY['CCCD_MISSING','CCCD_FORMAT','CCCD_DOB_MISMATCH','VERIFICATION_MISMATCH','SCHEMA','DATE_ORDER'])[1 + (h2 % 6)]
                 WHEN h >= 960 AND h < 980 THEN 'IDENTITY_REVIEW' END,
            '{}'::json, CASE WHEN h2 % 3 = 0 THEN 'immunization' ELSE 'encounter' END, CASE WHEN h2 % 3 = 0 THEN 1 + (h % 2) ELSE 0 END,
            rec_at, (rec_at - make_interval(days => (h2 % 7)::int))::date,
            CASE WHEN h2 % 3 = 0 THEN NULL ELSE lpad((1 + h % 10)::text, 2, '0') END, h2 % 10 < 8
       FROM (SELECT *, codes[1 + fi] AS fac,
                    $3::timestamptz + make_interval(secs => ((g * 104729) % ($4::bigint * 86400))::double precision) AS rec_at
               FROM (SELECT *, (hashint8(g * 13) & 2147483647) % array_length(codes, 1) AS fi FROM src) s) x`,
    [offset, count, `${shape.firstDay}T00:00:00+07:00`, spanDays],
  );
}
