/**
 * Hostile test (issue: small gaps a hostile sender found): bodies that are not JSON, filters that
 * are empty, numeric query parameters in every odd form, deeply nested and very wide JSON. Every
 * answer must be a 4xx OperationOutcome naming the problem, never a silently widened filter or a 500.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, uniqueFacility } from '../helpers/gateway.js';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;

/** `depth` nested arrays around `inner`. */
const nested = (depth: number, inner = '1') => '['.repeat(depth) + inner + ']'.repeat(depth);

/** A one-entry transaction Bundle whose Organization carries `extensionJson` as its extension (raw JSON text). */
const transactionWith = (extensionJson: string, id = 'input-bounds') =>
  `{"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"PUT","url":"Organization/${id}"},`
  + `"resource":{"resourceType":"Organization","id":"${id}","name":"x","extension":${extensionJson}}}]}`;

describe('hostile request input', () => {
  let gw: Gateway;
  let admin: string;
  let auditor: string;
  let portal: string;
  let linker: string;

  beforeAll(async () => {
    gw = await startTestGateway();
    [admin, auditor, portal, linker] = await Promise.all([gw.key('admin'), gw.key('auditor'), gw.key('portal'), gw.key('linker')]);
  });
  afterAll(async () => gw?.stop());

  const expectOutcome = (res: request.Response, status: number, diagnostics: RegExp, expression?: string) => {
    expect({ status: res.status, body: res.body }).toMatchObject({ status, body: { resourceType: 'OperationOutcome' } });
    expect(res.headers['content-type']).toMatch(/application\/fhir\+json/);
    expect(res.body.issue[0].diagnostics).toMatch(diagnostics);
    if (expression) expect(res.body.issue[0].expression).toEqual([expression]);
  };
  const rerun = (body: string | undefined, type = 'application/json') => {
    const req = request(gw.url).post('/api/records/rerun').set('Authorization', `Bearer ${admin}`);
    return body === undefined ? req : req.set('Content-Type', type).send(body);
  };

  describe('filters are never silently widened', () => {
    it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x'])(
      'POST /api/records/rerun with a %s body is 415 naming application/json (not a re-run of every facility)', async (type) => {
        const res = await rerun(JSON.stringify({ facility: uniqueFacility() }), type);
        expectOutcome(res, 415, /application\/json/);
        expect(res.body.requeued).toBeUndefined();
      });

    it('POST /api/records/rerun with no body, {} or all:false is 400 asking for "all": true', async () => {
      for (const body of [undefined, '{}', '{"all":false}']) {
        expectOutcome(await rerun(body), 400, /"all": true/);
      }
    });

    it('POST /api/records/rerun refuses a body that is not an object, unknown fields, empty keys and all combined with a filter', async () => {
      expectOutcome(await rerun('[]'), 400, /JSON object/);
      expectOutcome(await rerun('["facility"]'), 400, /JSON object/);
      expectOutcome(await rerun('{"facilty":"46001"}'), 400, /unknown field "facilty"/, 'facilty');
      expectOutcome(await rerun('{"keys":[]}'), 400, /keys/, 'keys');
      expectOutcome(await rerun('{"all":"yes"}'), 400, /all/, 'all');
      expectOutcome(await rerun(`{"all":true,"facility":"${uniqueFacility()}"}`), 400, /all/, 'all');
    });

    it('POST /api/records/rerun with a filter or with "all": true is accepted', async () => {
      const one = await rerun(JSON.stringify({ facility: uniqueFacility() }));
      expect(one.status).toBe(202);
      expect(one.body).toEqual({ requeued: 0 });
      const all = await rerun('{"all":true}', 'application/json; charset=utf-8');
      expect(all.status).toBe(202);
      expect(typeof all.body.requeued).toBe('number');
    });

    it('POST /fhir with a text/plain transaction is 415 naming application/fhir+json', async () => {
      const res = await request(gw.url).post('/fhir').set('Authorization', `Bearer ${linker}`).set('Content-Type', 'text/plain').send(transactionWith('[]'));
      expectOutcome(res, 415, /application\/fhir\+json/);
    });
  });

  describe('numeric parameters: 400 naming the parameter, never 500', () => {
    /** A targeted search (one patient), so the portal key needs no bulk-read scope. */
    const TARGET = `identifier=${encodeURIComponent('http://fhir.hl7.org.vn/core/sid/cccd|046090000001')}`;
    const BAD = ['1e20', '1e2', '-1', '1.5', '0x10', '', ' 5', '5 ', '+5', '99999999999999999999', 'NaN', 'Infinity', '00000000000000000000001x'];

    it.each(['_offset', '_count'])('GET /api/audit?%s=… (exponents, negatives, fractions, hex, empty, huge, repeated)', async (name) => {
      for (const value of BAD) {
        const res = await request(gw.url).get('/api/audit').query(`${name}=${encodeURIComponent(value)}`).set('Authorization', `Bearer ${auditor}`);
        expectOutcome(res, 400, new RegExp(name), name);
      }
      const repeated = await request(gw.url).get(`/api/audit?${name}=1&${name}=2`).set('Authorization', `Bearer ${auditor}`);
      expectOutcome(repeated, 400, new RegExp(`${name}.*once`), name);
    });

    it('GET /api/audit range limits: _count 1–1000, _offset 0–1000000', async () => {
      for (const [q, name] of [['_count=0', '_count'], ['_count=1001', '_count'], ['_offset=1000001', '_offset']] as const) {
        expectOutcome(await request(gw.url).get(`/api/audit?${q}`).set('Authorization', `Bearer ${auditor}`), 400, new RegExp(name), name);
      }
      for (const q of ['_count=1000&_offset=1000000', '_count=1&_offset=0', '_count=007']) {
        expect((await request(gw.url).get(`/api/audit?${q}`).set('Authorization', `Bearer ${auditor}`)).status).toBe(200);
      }
    });

    it.each(['_offset', '_count'])('GET /fhir/Patient?%s=… is refused the same way', async (name) => {
      for (const value of BAD) {
        const res = await request(gw.url).get('/fhir/Patient').query(`${TARGET}&${name}=${encodeURIComponent(value)}`).set('Authorization', `Bearer ${portal}`);
        expectOutcome(res, 400, new RegExp(name), name);
      }
      const repeated = await request(gw.url).get(`/fhir/Patient?${TARGET}&${name}=1&${name}=2`).set('Authorization', `Bearer ${portal}`);
      expectOutcome(repeated, 400, new RegExp(`${name}.*once`), name);
      expect((await request(gw.url).get(`/fhir/Patient?${TARGET}&${name}=0`).set('Authorization', `Bearer ${portal}`)).status).toBe(200);
    });

    it('dates and ids in every odd form are 400 naming the parameter', async () => {
      for (const [path, name] of [
        ['/api/audit?from=1e20', 'from'], ['/api/audit?from=2025-01-01&from=2025-01-02', 'from'], ['/api/audit?to=99999-01-01', 'to'],
        ['/api/audit?from=2025-02-30', 'from'], ['/api/audit/usage?to=-2025-01-01', 'to'],
      ] as const) {
        expectOutcome(await request(gw.url).get(path).set('Authorization', `Bearer ${auditor}`), 400, new RegExp(name), name);
      }
      expectOutcome(await request(gw.url).get('/api/submissions/1e20').set('Authorization', `Bearer ${admin}`), 400, /id/, 'id');
      expectOutcome(await request(gw.url).get('/api/stats/facilities?from=2025-01-01&to=2025-01-01&to=2025-02-01').set('Authorization', `Bearer ${admin}`), 400, /to/, 'to');
    });
  });

  describe('JSON nesting depth is bounded before parsing', () => {
    it('a 3,000-deep FHIR transaction is 400 naming the depth limit (100)', async () => {
      const res = await request(gw.url).post('/fhir').set('Authorization', `Bearer ${linker}`).set('Content-Type', 'application/fhir+json').send(transactionWith(nested(3000)));
      expectOutcome(res, 400, /nested deeper than 100/);
    });

    it('a 100,000-deep FHIR transaction is 400 too (and the gateway still answers)', async () => {
      const res = await request(gw.url).post('/fhir').set('Authorization', `Bearer ${linker}`).set('Content-Type', 'application/json').send(transactionWith(nested(100_000, '{"a":1}')));
      expectOutcome(res, 400, /nested deeper than 100/);
      expect((await request(gw.url).get('/health')).status).toBe(200);
    });

    it('brackets inside strings do not count; a resource within the limit reaches validation', async () => {
      const res = await request(gw.url).post('/fhir').set('Authorization', `Bearer ${linker}`).set('Content-Type', 'application/fhir+json')
        .send(transactionWith(`[{"url":"http://x/${'['.repeat(500)}\\"${'{'.repeat(500)}","valueString":"ok"}]`));
      expect(res.status).toBe(200);
    });

    it('a 65-deep /api body is 400 naming the depth limit (64)', async () => {
      expectOutcome(await rerun(`{"keys":${nested(64, '"K"')}}`), 400, /nested deeper than 64/);
      // 64 levels (the object plus 63 arrays) pass the bound and fail the field check instead.
      expectOutcome(await rerun(`{"keys":${nested(63, '"K"')}}`), 400, /keys must be/, 'keys');
    });

    it('an extremely long flat array is answered, never 500', async () => {
      const keys = `[${Array.from({ length: 150_000 }, () => '"K"').join(',')}]`;
      expectOutcome(await rerun(`{"keys":${keys}}`), 400, /keys/, 'keys');
      const entries = Array.from({ length: 10_001 }, (_, i) => `{"request":{"method":"DELETE","url":"Organization/wide-${i}"}}`).join(',');
      const wide = await request(gw.url).post('/fhir').set('Authorization', `Bearer ${linker}`).set('Content-Type', 'application/fhir+json')
        .send(`{"resourceType":"Bundle","type":"transaction","entry":[${entries}]}`);
      expectOutcome(wide, 413, /at most 10000 entries/);
      const flat = await request(gw.url).post('/fhir').set('Authorization', `Bearer ${linker}`).set('Content-Type', 'application/fhir+json')
        .send(transactionWith(`[${Array.from({ length: 100_000 }, () => '{"url":"http://x/flat","valueInteger":1}').join(',')}]`, 'input-bounds-flat'));
      expect(flat.status).toBeLessThan(500);
    });

    it('numbers beyond a double are 400 before JSON.parse turns them into Infinity (and storage into null)', async () => {
      expectOutcome(await rerun('{"facility":1e999999}'), 400, /number too large/);
      expectOutcome(await rerun(`{"facility":${'9'.repeat(200_000)}}`), 400, /number too large/);
      expectOutcome(await rerun('{"facility":-1.5e308}'), 400, /facility/, 'facility');
      for (const n of ['1e999999', '-1E+400', '9'.repeat(200_000)]) {
        const res = await request(gw.url).post('/fhir').set('Authorization', `Bearer ${linker}`).set('Content-Type', 'application/fhir+json')
          .send(transactionWith(`[{"url":"http://x/n","valueInteger":${n}}]`, 'input-bounds-n'));
        expectOutcome(res, 400, /number too large/);
      }
      const tiny = await request(gw.url).post('/fhir').set('Authorization', `Bearer ${linker}`).set('Content-Type', 'application/fhir+json')
        .send(transactionWith('[{"url":"http://x/n","valueDecimal":1e-999999}]', 'input-bounds-n'));
      expect(tiny.status).toBe(200);
    });
  });
});
