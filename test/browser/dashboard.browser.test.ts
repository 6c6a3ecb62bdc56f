/**
 * The administrators' dashboard in a real browser (Debian chromium through playwright-core): the
 * app on a real socket with real PostgreSQL + Redis, records ingested over HTTP (linked ones, a
 * missing and a malformed CCCD, one failed link), then login, the overview's totals against
 * GET /api/stats, a facility's drill-down and its re-run, the errors CSV download, a report
 * download and the English pages. Screenshots go to test-artifacts/screenshots/.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, unusedFacility, waitFor } from '../helpers/gateway.js';
import { citizen, doseCsv, recordByKey } from '../helpers/identity.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = new URL('../../test-artifacts/screenshots/', import.meta.url).pathname;
type Gateway = Awaited<ReturnType<typeof startTestGateway>>;

const vnMonth = () => new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 7);
const digits = (s: string | null) => Number((s ?? '').replace(/\D/g, ''));

describe('admin dashboard in chromium', () => {
  let gw: Gateway;
  let browser: Browser;
  let page: Page;
  let adminKey: string;
  let fa: string;
  const keys = { bad: '', missing: '', failed: '' };

  const apiStats = async (query: Record<string, string>) =>
    (await request(gw.url).get('/api/stats').query(query).set('Authorization', `Bearer ${adminKey}`)).body;
  const shot = (name: string) => page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: the dashboard's browser tests need Debian's chromium (run \`apt-get install chromium\` as root, or \`npm test\`, which installs it)`);
    }
    await mkdir(SHOTS, { recursive: true });
    gw = await startTestGateway({ VERIFICATION: 'off' });
    adminKey = await gw.key('admin');
    fa = await unusedFacility(gw.pool);
    const facilityKey = await gw.key('facility', fa);
    await gw.pool.query('INSERT INTO facilities (code, name) VALUES ($1, $2) ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name', [fa, 'Trạm Y tế xã Phú Mỹ, huyện Phú Vang']);
    const people = [citizen('Trần Văn Đức', '1985-02-03', 'male'), citizen('Lê Thị Hoa', '1992-07-09', 'female'), citizen('Phạm Văn Nam', '1970-01-15', 'male')];
    const rows = [
      ...people.map((p, i) => ({ p, id: `OK${i}-${fa}-${Date.now()}` })),
      { p: { name: 'Hồ Văn Tâm', birthDate: '1966-06-06', gender: 'male' as const }, id: `MISS-${fa}` },
      { p: { ...people[0]!, cccd: '0011' }, id: `BAD-${fa}` },
    ];
    const res = await request(gw.url).post('/ingest/csv').query({ kind: 'immunization' }).set('Authorization', `Bearer ${facilityKey}`)
      .set('Content-Type', 'text/csv; charset=utf-8').send(doseCsv(rows));
    expect(res.status).toBe(202);
    const recs = res.body.records as Array<{ key: string }>;
    [keys.failed, keys.missing, keys.bad] = [recs[0]!.key, recs[3]!.key, recs[4]!.key];
    await waitFor(async () => (await apiStats({ facility: fa })).totals.pending === 0, 30_000, 'records to settle');
    // One linked record turned into a dead letter, as an EHR outage leaves it: the re-run has something to queue.
    await gw.pool.query("UPDATE records SET status = 'failed', last_error = '{\"message\":\"EHR 503\"}' WHERE id = $1", [(await recordByKey(gw.pool, keys.failed)).id]);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    page = await (await browser.newContext({ acceptDownloads: true, locale: 'vi-VN' })).newPage();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  });

  it('logs in with the admin key', async () => {
    await page.goto(`${gw.url}/admin`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await expect(page.locator('h1').textContent()).resolves.toBe('Đăng nhập');
    await shot('login');
    await page.fill('input[name="key"]', adminKey);
    await page.click('#login');
    await page.waitForURL(`${gw.url}/admin`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Tổng quan');
  });

  it('the overview shows the totals GET /api/stats gives for the month', async () => {
    const month = vnMonth();
    let matched = false;
    for (let attempt = 0; attempt < 5 && !matched; attempt++) { // other records of the shared database may still be settling
      const before = (await apiStats({ month })).totals;
      await page.goto(`${gw.url}/admin?month=${month}`);
      const shown = Object.fromEntries(await Promise.all(['received', 'linked', 'rejected', 'held', 'failed', 'pending'].map(
        async (k) => [k, digits(await page.locator(`[data-total="${k}"] dd`).textContent())] as const)));
      const after = (await apiStats({ month })).totals;
      const api = { received: after.received, linked: after.linked, rejected: after.rejected, held: after.held, failed: after.failed, pending: after.pending };
      matched = JSON.stringify(before) === JSON.stringify(after) && JSON.stringify(shown) === JSON.stringify(api);
      if (!matched && attempt === 4) expect(shown).toEqual(api);
    }
    const mine = (await apiStats({ month, facility: fa })).totals;
    expect([mine.received, mine.linked, mine.rejected, mine.failed]).toEqual([5, 2, 2, 1]);
    expect(await page.locator('svg.chart').count()).toBeGreaterThanOrEqual(2);
    await expect(page.locator(`#facilities a[href^="/admin/facilities/${fa}"]`).count()).resolves.toBe(1);
    await shot('overview');
  });

  it('the facility drill-down shows the facility, re-runs its failed records and downloads its errors as CSV', async () => {
    await page.click(`#facilities a[href^="/admin/facilities/${fa}"]`);
    await expect(page.locator('#facility-name').textContent()).resolves.toContain('Trạm Y tế xã Phú Mỹ, huyện Phú Vang');
    await expect(page.locator('[data-total="failed"] dd').textContent()).resolves.toBe('1');
    expect(await page.locator('details.upload').count()).toBeGreaterThanOrEqual(1);
    await page.click('#rerun');
    await page.waitForSelector('#requeued');
    await expect(page.locator('#requeued').textContent()).resolves.toMatch(/: 1 hồ sơ/);
    await waitFor(async () => ['linked', 'accepted'].includes((await recordByKey(gw.pool, keys.failed)).status), 20_000, 're-run record to leave failed');
    await shot('facility');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^danh-sach-loi-${fa}-\\d{4}-\\d{2}-\\d{2}\\.csv$`));
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toMatch(/^STT,Mã CSKCB,Mã liên kết \(MA_LK\)/);
    expect(lines.slice(1).map((l) => l.split(',')[2]).sort()).toEqual([keys.bad, keys.missing].sort());
    expect(csv).toContain('CCCD_MISSING');
    expect(csv).toContain('CCCD_FORMAT');
  });

  it('the errors review lists the facility\'s rejected records with the names masked', async () => {
    await page.click('nav a[href="/admin/errors"]');
    await page.fill('input[name="facility"]', fa);
    await page.click('form.filters button[type="submit"]');
    await page.waitForURL(/\/admin\/errors\?/);
    const rows = await page.locator('table.errors tbody tr').allTextContents();
    expect(rows).toHaveLength(2);
    expect(rows.join(' ')).toContain('CCCD_FORMAT');
    expect(rows.join(' ')).not.toContain('Trần Văn Đức');
    await shot('errors');
  });

  it('the reports page downloads a report for the month', async () => {
    await page.click('nav a[href="/admin/reports"]');
    await expect(page.locator('h1').textContent()).resolves.toBe('Báo cáo');
    const link = page.locator('tr[data-report="bang-3"] a', { hasText: 'XLSX' });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe(`bang-3_${vnMonth()}.xlsx`);
    const body = await readFile(await download.path());
    expect(body.subarray(0, 2).toString('latin1')).toBe('PK');
    await shot('reports');
  });

  it('switches to English, and stays in English', async () => {
    await page.click('nav a.lang');
    await expect(page.locator('h1').textContent()).resolves.toBe('Reports');
    await page.goto(`${gw.url}/admin`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Overview');
    await expect(page.locator('nav a[href="/admin/errors"]').textContent()).resolves.toBe('Errors');
    await page.click('nav a.lang');
    await expect(page.locator('h1').textContent()).resolves.toBe('Tổng quan');
  });
});
