import { readFileSync } from 'node:fs';
import express, { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { DataKeyring } from '../../db/encryption.js';
import type { Db } from '../../db/pool.js';
import { notFound, toOperationOutcome } from '../../errors/outcome.js';
import type { EnqueueLink } from '../../pipeline/ingest.pipeline.js';
import type { RerunDeps } from '../../pipeline/rerun-record.js';
import type { KeyVerifier } from '../auth/api-keys.js';
import type { Config } from '../config.js';
import { auditTrail } from '../http/audit.js';
import type { AuthGuard } from '../http/rate-limit.js';
import { rerunFailed } from '../services/records.service.js';
import { sameOrigin, tokenMatches } from './csrf.js';
import { downloadReport, exportErrors } from './downloads.js';
import { h } from './html.js';
import { dictOf, langOf, type Lang } from './i18n.js';
import { page, type ViewContext } from './layout.js';
import { doLogin, doLogout, showLogin, type LoginDeps } from './login.js';
import type { PageDeps } from './pages/deps.js';
import { errorsPage } from './pages/errors.js';
import { FACILITY_CODE, facilityPage } from './pages/facility.js';
import { overviewPage } from './pages/overview.js';
import { reportsPage } from './pages/reports.js';
import { uploadsPage } from './pages/uploads.js';
import { clearSessionCookie, cookieValue, type AdminSession, type AdminSessions } from './session.js';

/** What the dashboard needs from the app's deps (gateway/app.ts). */
export interface AdminDeps {
  config: Readonly<Config>;
  pool: pg.Pool;
  auditPool: Db;
  auditHashKey: string;
  verifier: KeyVerifier;
  guard: AuthGuard;
  log: Logger;
  clock: () => Date;
  enqueueLink: EnqueueLink;
  keyring: DataKeyring | null;
  rerun: RerunDeps;
  sessions: AdminSessions;
}

/** The dashboard's Content-Security-Policy: no script at all, styles and images from this origin only. */
export const ADMIN_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const LANG_COOKIE = 'fgw_lang';
const CSS = readFileSync(new URL('./static/admin.css', import.meta.url), 'utf8');

/**
 * CSP, no framing, and `Referrer-Policy: same-origin` instead of the API's `no-referrer`: under
 * `no-referrer` browsers send `Origin: null` with form POSTs, which the Origin check must refuse.
 */
function securityHeaders(res: Response): void {
  res.set({ 'Content-Security-Policy': ADMIN_CSP, 'X-Frame-Options': 'DENY', 'Referrer-Policy': 'same-origin' });
}

/** The page language: `?lang=` (remembered in a cookie), then the cookie, then Vietnamese. */
function langFor(req: Request, res: Response): Lang {
  const asked = langOf(req.query.lang);
  if (asked) res.append('Set-Cookie', `${LANG_COOKIE}=${asked}; Path=/admin; Max-Age=31536000; SameSite=Strict${req.secure ? '; Secure' : ''}`);
  return asked ?? langOf(cookieValue(req, LANG_COOKIE)) ?? 'vi';
}

/** The view context of a request (language chosen once per request). */
function viewOf(req: Request, res: Response): ViewContext {
  const lang = (res.locals.lang as Lang | undefined) ?? (res.locals.lang = langFor(req, res));
  const session = res.locals.session as AdminSession | undefined;
  return { t: dictOf(lang), lang, csrf: session?.csrfToken ?? null, path: req.originalUrl.split('?')[0]! };
}

/** A page that says what went wrong, with a way back. */
function errorPage(ctx: ViewContext, status: number, message: string): string {
  const title = status === 404 ? ctx.t.notFound : status === 403 ? ctx.t.forbidden : ctx.t.errorPage;
  return page(ctx, { title, body: h`<p class="error" role="alert">${status} · ${message}</p><p><a href="/admin">${ctx.t.back}</a></p>` });
}

/** Signed-in requests only: the session is loaded (key re-checked); otherwise off to the login form. */
function requireSession(sessions: AdminSessions): RequestHandler {
  return async (req, res, next) => {
    const session = await sessions.load(req);
    if (!session) {
      const hadCookie = /(^|;\s*)(__Secure-)?fgw_admin=/.test(req.get('cookie') ?? '');
      if (hadCookie) clearSessionCookie(req, res);
      return res.redirect(303, `/admin/login${hadCookie ? '?ended' : ''}`);
    }
    req.principal = session.principal;
    res.locals.session = session;
    next();
  };
}

/** POSTs must come from this host and carry the session's CSRF token; otherwise a 403 page. */
const checkCsrf: RequestHandler = (req, res, next) => {
  if (req.method !== 'POST') return next();
  const session = res.locals.session as AdminSession;
  if (sameOrigin(req) && tokenMatches((req.body as Record<string, unknown> | undefined)?.csrf, session.csrfToken)) return next();
  res.locals.auditAction = 'denied';
  const ctx = viewOf(req, res);
  res.status(403).type('html').send(errorPage(ctx, 403, ctx.t.csrfFailed));
};

/** Errors of /admin as HTML pages (the API's handler answers OperationOutcomes). */
function htmlErrors(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { status, outcome, headers } = toOperationOutcome(err);
    if (status >= 500) log.error({ err: { name: (err as Error)?.name, message: (err as Error)?.message }, path: req.path }, 'dashboard request failed');
    if (res.headersSent) return void res.destroy();
    securityHeaders(res);
    res.status(status).set(headers).type('html').send(errorPage(viewOf(req, res), status, outcome.issue[0]?.diagnostics ?? ''));
  };
}

function pageRoutes(router: Router, deps: AdminDeps, pages: PageDeps): void {
  const send = (res: Response, html: string) => void res.type('html').send(html);
  router.get('/', async (req, res) => send(res, await overviewPage(pages, viewOf(req, res), req.query as Record<string, unknown>)));
  router.get('/facilities/:code', async (req, res) => send(res, await facilityPage(pages, viewOf(req, res), req.params.code as string, req.query as Record<string, unknown>)));
  router.get('/errors', async (req, res) => send(res, await errorsPage(pages, viewOf(req, res), req.query as Record<string, unknown>)));
  router.get('/errors/export', (req, res) => exportErrors(pages, req, res));
  router.get('/uploads', async (req, res) => send(res, await uploadsPage(pages, viewOf(req, res), req.query as Record<string, unknown>)));
  router.get('/reports', (req, res) => send(res, reportsPage(pages, viewOf(req, res), req.query as Record<string, unknown>)));
  router.get('/reports/:name', (req, res) => downloadReport(pages, req, res));
  router.post('/facilities/:code/rerun', async (req, res) => {
    const code = req.params.code as string;
    if (!FACILITY_CODE.test(code)) throw notFound('a facility code has 5 letters or digits');
    const answer = await rerunFailed(
      { pool: deps.pool, enqueueLink: deps.enqueueLink, log: deps.log, linkBatchSize: deps.config.linkBatchSize, rerun: deps.rerun },
      { facility: code }, `key:${req.principal?.keyId ?? 'unknown'}`,
    );
    res.locals.auditAction = 'execute';
    res.locals.audit = { resource: `rerun/${answer.requeued}` };
    res.redirect(303, `/admin/facilities/${code}?requeued=${answer.requeued}`);
  });
}

/**
 * The administrators' web dashboard (docs/dashboard.md), mounted at /admin before API-key
 * authentication: its own sessions (an admin key opens one), CSRF checks on every form, a strict
 * CSP (no script), HTML pages and downloads built by the same services as the API. Returns the
 * router and its HTML error handler (which also renders the rate limiter's 429 for /admin).
 */
export function adminRoutes(deps: AdminDeps): [Router, ErrorRequestHandler] {
  const router = Router();
  const pages: PageDeps = { pool: deps.pool, keyring: deps.keyring, clock: deps.clock, monthStartDay: deps.config.reportMonthStartDay };
  const login: LoginDeps = { verifier: deps.verifier, guard: deps.guard, sessions: deps.sessions, viewOf };
  const audit = auditTrail(deps.auditPool, deps.log, deps.auditHashKey);
  router.use((_req, res, next) => {
    securityHeaders(res);
    next();
  });
  router.get('/static/admin.css', (_req, res) => {
    res.set('Cache-Control', 'private, max-age=3600').type('text/css; charset=utf-8').send(CSS);
  });
  router.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 }));
  router.get('/login', showLogin(login));
  router.post('/login', audit, doLogin(login));
  router.use(requireSession(deps.sessions), audit, checkCsrf);
  router.post('/logout', doLogout(login));
  pageRoutes(router, deps, pages);
  router.use((req, res) => {
    const ctx = viewOf(req, res);
    res.status(404).type('html').send(errorPage(ctx, 404, `${req.method} ${req.originalUrl.split('?')[0]!.slice(0, 100)}`));
  });
  return [router, htmlErrors(deps.log)];
}
