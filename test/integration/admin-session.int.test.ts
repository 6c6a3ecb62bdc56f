/**
 * The administrators' dashboard (/admin, docs/dashboard.md) over HTTP with real PostgreSQL + Redis:
 * login with an admin key only, the session cookie's attributes and its stored hash, CSRF and Origin
 * checks on every POST, logout and key revocation ending the session, the security headers, HTML
 * (never OperationOutcome) errors, escaping of facility names, and failed logins counting towards
 * the lockout and the audit log.
 */
import { createHash } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKey } from '../../gateway/auth/api-keys.js';
import { revokeKey } from '../../gateway/store/keys.repo.js';
import { startTestGateway, unusedFacility, waitFor } from '../helpers/gateway.js';
import { citizen, doseCsv } from '../helpers/identity.js';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;

const CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Log in through the form; the answer and the cookie pair (`fgw_admin=…`) it set, if any. */
async function login(gw: Gateway, key: string, origin?: string) {
  let req = request(gw.url).post('/admin/login').type('form');
  if (origin) req = req.set('Origin', origin);
  const res = await req.send({ key });
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('fgw_admin='));
  return { res, setCookie, cookie: setCookie?.split(';')[0] };
}

/** The CSRF token of a signed-in page. */
async function csrfOf(gw: Gateway, cookie: string): Promise<string> {
  const res = await request(gw.url).get('/admin/uploads').set('Cookie', cookie);
  expect(res.status).toBe(200);
  return /name="csrf" value="([^"]+)"/.exec(res.text)![1]!;
}

describe('admin dashboard sessions, CSRF and headers', () => {
  let gw: Gateway;
  let adminKey: string;
  let facilityKey: string;
  let fa: string;
  let fb: string;
  const origin = () => gw.url;

  beforeAll(async () => {
    gw = await startTestGateway({ VERIFICATION: 'off' });
    fa = await unusedFacility(gw.pool);
    do fb = await unusedFacility(gw.pool); while (fb === fa);
    adminKey = await gw.key('admin');
    facilityKey = await gw.key('facility', fa);
    for (const [code, name] of [[fa, 'Bệnh viện Đa khoa Bình Điền & Huế'], [fb, '<script>alert("x")</script> Trạm y tế']]) {
      await gw.pool.query('INSERT INTO facilities (code, name) VALUES ($1, $2) ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name', [code, name]);
    }
    const p = citizen('Nguyễn Thị Hồng Nhung', '1990-05-12', 'female');
    for (const [facility, key] of [[fa, facilityKey], [fb, await gw.key('facility', fb)]] as const) {
      const res = await request(gw.url).post('/ingest/csv').query({ kind: 'immunization' }).set('Authorization', `Bearer ${key}`)
        .set('Content-Type', 'text/csv; charset=utf-8').send(doseCsv([{ p, id: `OK-${facility}` }, { p: { ...p, cccd: '0011' }, id: `BAD-${facility}` }]));
      expect(res.status).toBe(202);
    }
  }, 60_000);
  afterAll(async () => {
    await gw?.stop();
  });

  it('sends anyone without a session to the login form, with the security headers', async () => {
    const res = await request(gw.url).get('/admin');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/login');
    const form = await request(gw.url).get('/admin/login');
    expect(form.status).toBe(200);
    expect(form.headers['content-security-policy']).toBe(CSP);
    expect(form.headers['x-frame-options']).toBe('DENY');
    expect(form.headers['referrer-policy']).toBe('same-origin'); // browsers send Origin: null on form POSTs under no-referrer
    expect(form.headers['content-type']).toMatch(/text\/html; charset=utf-8/);
    expect(form.text).toContain('<meta charset="utf-8">');
    expect(form.text).toContain('Đăng nhập');
    expect(form.text).not.toMatch(/<script/i);
    const css = await request(gw.url).get('/admin/static/admin.css');
    expect([css.status, css.headers['content-type']]).toEqual([200, 'text/css; charset=utf-8']);
  });

  it('an admin key opens a session: HttpOnly, SameSite=Strict, Path=/admin cookie; only its hash is stored', async () => {
    const { res, setCookie, cookie } = await login(gw, adminKey, origin());
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin');
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Strict/);
    expect(setCookie).toMatch(/; Path=\/admin/);
    expect(setCookie).not.toMatch(/Secure/); // plain HTTP here; Secure and the __Secure- name over HTTPS
    const id = cookie!.split('=')[1]!;
    const { rows } = await gw.pool.query('SELECT id_hash, key_id, expires_at - created_at AS life FROM admin_sessions WHERE id_hash = $1', [sha256(id)]);
    expect(rows).toHaveLength(1);
    expect(rows[0].key_id).toBe(parseKey(adminKey)!.id);
    expect((await gw.pool.query('SELECT 1 FROM admin_sessions WHERE id_hash = $1', [id])).rowCount).toBe(0);
    const page = await request(gw.url).get('/admin').set('Cookie', cookie!);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toBe(CSP);
    expect(page.text).toContain('Tổng quan');
  });

  it('a facility key is refused clearly, and no session is opened', async () => {
    const { res, setCookie } = await login(gw, facilityKey);
    expect(res.status).toBe(403);
    expect(res.text).toContain('chỉ khóa admin được đăng nhập');
    expect(setCookie).toBeUndefined();
    const { rows } = await gw.pool.query("SELECT count(*)::int AS n FROM admin_sessions WHERE key_id = $1", [parseKey(facilityKey)!.id]);
    expect(rows[0].n).toBe(0);
  });

  it('a wrong key is a failed login, audited as login-failed', async () => {
    const { res, setCookie } = await login(gw, 'fgw_nosuchkey0_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(setCookie).toBeUndefined();
    await waitFor(async () => (await gw.pool.query("SELECT 1 FROM audit_events WHERE action = 'login-failed' AND path = '/admin/login' AND at > now() - interval '1 minute'")).rowCount, 5000, 'audit row');
  });

  it('every POST needs the session\'s CSRF token and a same-host Origin', async () => {
    const { cookie } = await login(gw, adminKey);
    const csrf = await csrfOf(gw, cookie!);
    const post = (body: Record<string, string>, o?: string) => {
      let r = request(gw.url).post(`/admin/facilities/${fa}/rerun`).type('form').set('Cookie', cookie!);
      if (o) r = r.set('Origin', o);
      return r.send(body);
    };
    const none = await post({});
    expect(none.status).toBe(403);
    expect(none.headers['content-type']).toMatch(/text\/html/);
    expect((await post({ csrf: `${csrf.slice(0, -1)}x` })).status).toBe(403);
    expect((await post({ csrf }, 'http://evil.example')).status).toBe(403);
    expect((await post({ csrf }, 'null')).status).toBe(403);
    const ok = await post({ csrf }, origin());
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toMatch(new RegExp(`^/admin/facilities/${fa}\\?requeued=\\d+$`));
    expect((await login(gw, adminKey, 'http://evil.example')).res.status).toBe(403);
  });

  it('logout deletes the session', async () => {
    const { cookie } = await login(gw, adminKey);
    const csrf = await csrfOf(gw, cookie!);
    const out = await request(gw.url).post('/admin/logout').type('form').set('Cookie', cookie!).send({ csrf });
    expect(out.status).toBe(303);
    expect(([] as string[]).concat(out.headers['set-cookie'] ?? []).some((c) => /^fgw_admin=;.*Max-Age=0/.test(c))).toBe(true);
    expect((await gw.pool.query('SELECT 1 FROM admin_sessions WHERE id_hash = $1', [sha256(cookie!.split('=')[1]!)])).rowCount).toBe(0);
    const after = await request(gw.url).get('/admin').set('Cookie', cookie!);
    expect([after.status, after.headers.location]).toEqual([303, '/admin/login?ended']);
  });

  it('revoking the API key ends its sessions at the next request', async () => {
    const key = await gw.key('admin');
    const { cookie } = await login(gw, key);
    expect((await request(gw.url).get('/admin').set('Cookie', cookie!)).status).toBe(200);
    await revokeKey(gw.pool, parseKey(key)!.id);
    const after = await request(gw.url).get('/admin').set('Cookie', cookie!);
    expect([after.status, after.headers.location]).toEqual([303, '/admin/login?ended']);
    expect((await gw.pool.query('SELECT 1 FROM admin_sessions WHERE key_id = $1', [parseKey(key)!.id])).rowCount).toBe(0);
  });

  it('a session idle for more than an hour, or past its 8 hours, has ended', async () => {
    for (const stale of ["last_seen_at = now() - interval '61 minutes'", "expires_at = now() - interval '1 second'"]) {
      const { cookie } = await login(gw, adminKey);
      await gw.pool.query(`UPDATE admin_sessions SET ${stale} WHERE id_hash = $1`, [sha256(cookie!.split('=')[1]!)]);
      const after = await request(gw.url).get('/admin').set('Cookie', cookie!);
      expect([stale, after.status, after.headers.location]).toEqual([stale, 303, '/admin/login?ended']);
    }
  });

  it('facility names are escaped: Vietnamese text kept as UTF-8, an injected <script> shown as text', async () => {
    const { cookie } = await login(gw, adminKey);
    const overview = await request(gw.url).get('/admin').set('Cookie', cookie!);
    expect(overview.text).toContain('Bệnh viện Đa khoa Bình Điền &amp; Huế');
    expect(overview.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Trạm y tế');
    expect(overview.text).not.toMatch(/<script/i);
    const drill = await request(gw.url).get(`/admin/facilities/${fb}`).set('Cookie', cookie!);
    expect(drill.status).toBe(200);
    expect(drill.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(drill.text).not.toMatch(/<script/i);
  });

  it('errors under /admin are HTML pages, never OperationOutcomes; personal data is masked', async () => {
    const { cookie } = await login(gw, adminKey);
    const bad = await request(gw.url).get('/admin?month=2026-13').set('Cookie', cookie!);
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/text\/html/);
    expect(bad.text).toContain('month must be YYYY-MM');
    const missing = await request(gw.url).get('/admin/nothing-here').set('Cookie', cookie!);
    expect([missing.status, missing.headers['content-type']]).toEqual([404, 'text/html; charset=utf-8']);
    const errors = await request(gw.url).get('/admin/errors').query({ facility: fa }).set('Cookie', cookie!);
    expect(errors.status).toBe(200);
    expect(errors.text).toContain('CCCD_FORMAT');
    expect(errors.text).not.toContain('Nguyễn Thị Hồng Nhung');
    expect(errors.text).toContain('N. T. H. N.');
  });
});

describe('failed dashboard logins count towards the address lockout', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startTestGateway({ AUTH_ATTEMPTS_PER_MINUTE: '1000', AUTH_LOCKOUT_FAILURES: '3', AUTH_LOCKOUT_MINUTES: '10' });
  }, 60_000);
  afterAll(async () => {
    await gw?.stop();
  });

  it('after N wrong keys the address gets 429, as an HTML page, even with a good key', async () => {
    const admin = await gw.key('admin');
    for (let i = 0; i < 3; i++) expect((await login(gw, `fgw_wrongkey00_${'B'.repeat(31)}${i}`)).res.status).toBe(401);
    const locked = await login(gw, admin);
    expect(locked.res.status).toBe(429);
    expect(locked.res.headers['content-type']).toMatch(/text\/html/);
    expect(locked.res.headers['content-security-policy']).toBe(CSP);
    expect(Number(locked.res.headers['retry-after'])).toBeGreaterThan(60);
  });
});
