/**
 * Hostile sender, character encodings: QĐ 130 documents are UTF-8. A declared encoding (the HTTP
 * charset, the envelope's XML declaration, an inner document's XML declaration or byte order mark)
 * that is not UTF-8 is refused with 415 naming it; bytes that are not UTF-8 where UTF-8 is declared
 * or implied are refused with 400 naming the file and the element. Nothing is stored, and no name is
 * ever silently decoded into U+FFFD.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope, makeXml1, xml1Document } from '../../scripts/lib/qd130-synthetic.js';
import { startTestGateway, uniqueFacility } from '../helpers/gateway.js';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;

const FILE = 'HOSO[1]/FILEHOSO[1]/NOIDUNGFILE (XML1)';

describe('declared encodings (HTTP charset, envelope, inner documents)', () => {
  let gw: Gateway;
  let facility: string;
  let key: string;
  let n = 0;
  const seed = Math.floor(Math.random() * 1e9);

  beforeAll(async () => {
    gw = await startTestGateway();
    facility = uniqueFacility();
    key = await gw.key('facility', facility);
  });
  afterAll(async () => gw?.stop());

  /** An XML1 inner document (without its XML declaration) for a fresh episode, named `name`. */
  const xml1 = (name: string) => xml1Document(makeXml1(facility, `LK-ENC-${seed}-${++n}`, seed + n, { HO_TEN: name })).replace(/^<\?xml[^?]*\?>\n/, '');
  /** An envelope whose one NOIDUNGFILE is the base64 of exactly `inner`. */
  const withInner = (inner: Buffer) => envelope(facility, [[['XML1', 'X']]]).replace(Buffer.from('X').toString('base64'), inner.toString('base64'));
  const post = (body: string | Buffer, type = 'application/xml') =>
    request(gw.url).post('/ingest/qd130').set('Authorization', `Bearer ${key}`).set('Content-Type', type).send(Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'));
  const submissions = async () => Number((await gw.pool.query('SELECT count(*)::int AS n FROM submissions')).rows[0].n);

  /** Expect `status` with a diagnostics matching every pattern, and nothing stored. */
  async function expectRefused(body: string | Buffer, status: number, patterns: RegExp[], type?: string) {
    const before = await submissions();
    const res = await post(body, type);
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.body.resourceType).toBe('OperationOutcome');
    const text = `${res.body.issue[0].diagnostics} ${(res.body.issue[0].expression ?? []).join(' ')}`;
    for (const p of patterns) expect(text).toMatch(p);
    expect(await submissions()).toBe(before);
  }

  /** The Patient name stored for the one record of a submission. */
  async function storedName(submissionId: string): Promise<string | undefined> {
    const { rows } = await gw.pool.query('SELECT resources FROM records WHERE submission_id = $1', [submissionId]);
    const patient = (rows[0]?.resources ?? []).find((r: { resourceType: string }) => r.resourceType === 'Patient');
    return patient?.name?.[0]?.text;
  }

  describe('inner documents (NOIDUNGFILE)', () => {
    it('accepts UTF-8 declared by an alias ("UTF8"), by "utf-8" or not at all, names intact', async () => {
      for (const decl of ['<?xml version="1.0" encoding="UTF8"?>', "<?xml version='1.0' encoding='utf-8'?>", '<?xml version="1.0"?>', '']) {
        const res = await post(withInner(Buffer.from(`${decl}${xml1('NGUYỄN THỊ ÁNH')}`, 'utf8')));
        expect(res.status, JSON.stringify(res.body)).toBe(202);
        expect(res.body.records[0].status).toBe('accepted');
        expect(await storedName(res.body.submissionId)).toBe('NGUYỄN THỊ ÁNH');
      }
    });

    it('refuses an inner document declaring ISO-8859-1 (415 naming the encoding and the file)', async () => {
      await expectRefused(withInner(Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?>${xml1('LÊ TÔN')}`, 'latin1')), 415, [/ISO-8859-1/, /UTF-8/, /HOSO\[1\]\/FILEHOSO\[1\]/]);
    });

    it('refuses an inner document declaring windows-1258, even when its bytes are valid UTF-8', async () => {
      await expectRefused(withInner(Buffer.from(`<?xml version="1.0" encoding="windows-1258"?>${xml1('LÊ TÔN')}`, 'utf8')), 415, [/windows-1258/, /HOSO\[1\]\/FILEHOSO\[1\]/]);
    });

    it('refuses Latin-1 bytes in a document that declares UTF-8 or nothing (400 naming the file and the element)', async () => {
      for (const decl of ['<?xml version="1.0" encoding="utf-8"?>\n', '']) {
        await expectRefused(withInner(Buffer.from(`${decl}${xml1('LÊ TÔN')}`, 'latin1')), 400, [/not valid UTF-8/, /HO_TEN/, new RegExp(FILE.replace(/[[\]()]/g, '\\$&'))]);
      }
    });

    it('refuses a UTF-16 inner document (byte order mark) with 415', async () => {
      const doc = `<?xml version="1.0" encoding="UTF-16"?>${xml1('LÊ TÔN')}`;
      await expectRefused(withInner(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(doc, 'utf16le')])), 415, [/UTF-16/, /HOSO\[1\]\/FILEHOSO\[1\]/]);
    });
  });

  describe('the envelope (HTTP body)', () => {
    const valid = () => envelope(facility, [[['XML1', xml1Document(makeXml1(facility, `LK-ENC-${seed}-${++n}`, seed + n))]]]);

    it('accepts charset utf-8 (any case, quoted) and no charset', async () => {
      for (const type of ['application/xml; charset=utf-8', 'application/xml;charset="UTF-8"', 'text/xml', 'application/xml']) {
        expect((await post(valid(), type)).status, type).toBe(202);
      }
    });

    it('refuses a Content-Type charset that is not UTF-8 with 415 naming it', async () => {
      await expectRefused(valid(), 415, [/iso-8859-1/i, /UTF-8/], 'application/xml; charset=iso-8859-1');
      await expectRefused(valid(), 415, [/windows-1258/], 'text/xml; charset="windows-1258"');
    });

    it('refuses an envelope whose XML declaration names another encoding', async () => {
      await expectRefused(valid().replace('encoding="utf-8"', 'encoding="ISO-8859-1"'), 415, [/ISO-8859-1/, /GIAMDINHHS/]);
    });

    it('refuses a UTF-16 envelope (byte order mark) with 415', async () => {
      const xml = valid().replace('encoding="utf-8"', 'encoding="UTF-16"');
      await expectRefused(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]), 415, [/UTF-16/]);
    });

    it('refuses bytes that are not UTF-8 anywhere in the envelope, naming where', async () => {
      const xml = Buffer.from(valid().replace('<CHUKYDONVI>', '<!-- Lê Tôn --><CHUKYDONVI>'), 'latin1');
      await expectRefused(xml, 400, [/not valid UTF-8/, /byte/]);
    });
  });
});
