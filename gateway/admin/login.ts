import type { Request, RequestHandler, Response } from 'express';
import type { KeyVerifier } from '../auth/api-keys.js';
import type { AuthGuard } from '../http/rate-limit.js';
import { sameOrigin } from './csrf.js';
import { h } from './html.js';
import { page, type ViewContext } from './layout.js';
import { clearSessionCookie, setSessionCookie, type AdminSessions } from './session.js';

/** What signing in and out needs. */
export interface LoginDeps {
  verifier: KeyVerifier;
  guard: AuthGuard;
  sessions: AdminSessions;
  viewOf: (req: Request, res: Response) => ViewContext;
}

/** The login form, with a message (an error or a notice) when there is one. */
export function loginPage(ctx: ViewContext, message?: { error?: string; notice?: string }): string {
  const body = h`${message?.error ? h`<p class="error" role="alert" id="login-error">${message.error}</p>` : ''}${message?.notice ? h`<p class="notice" role="status">${message.notice}</p>` : ''}
<form method="post" action="/admin/login" class="login">
<p>${ctx.t.loginHint}</p>
<label>${ctx.t.apiKey} <input type="password" name="key" autocomplete="off" required size="56"></label>
<button type="submit" id="login">${ctx.t.login}</button>
</form>`;
  return page(ctx, { title: ctx.t.login, body });
}

/** `GET /admin/login`: the form (a signed-in administrator goes to the overview). */
export function showLogin(deps: LoginDeps): RequestHandler {
  return async (req, res) => {
    if (await deps.sessions.load(req)) return res.redirect(303, '/admin');
    const ctx = deps.viewOf(req, res);
    res.type('html').send(loginPage(ctx, req.query.ended !== undefined ? { notice: ctx.t.sessionEnded } : req.query.out !== undefined ? { notice: ctx.t.loggedOut } : undefined));
  };
}

/**
 * `POST /admin/login`: an admin API key opens a session. A wrong key counts as a failed
 * authentication (the lockout applies) and is audited as `login-failed`; a valid key of another
 * role is refused (`denied`). The key itself is never stored or logged.
 */
export function doLogin(deps: LoginDeps): RequestHandler {
  return async (req, res) => {
    const ctx = deps.viewOf(req, res);
    if (!sameOrigin(req)) {
      res.locals.auditAction = 'denied';
      return res.status(403).type('html').send(loginPage(ctx, { error: ctx.t.csrfFailed }));
    }
    const key = typeof req.body?.key === 'string' ? req.body.key.trim() : '';
    const principal = key ? await deps.verifier.verify(key) : undefined;
    if (!principal) {
      await deps.guard.recordFailure(req);
      res.locals.auditAction = 'login-failed';
      return res.status(401).type('html').send(loginPage(ctx, { error: ctx.t.loginFailed }));
    }
    req.principal = principal;
    if (principal.role !== 'admin') {
      res.locals.auditAction = 'denied';
      return res.status(403).type('html').send(loginPage(ctx, { error: ctx.t.notAdmin }));
    }
    const session = await deps.sessions.open(principal.keyId);
    setSessionCookie(req, res, session.id);
    res.locals.auditAction = 'login';
    res.redirect(303, '/admin');
  };
}

/** `POST /admin/logout` (behind the session and CSRF checks): the session is deleted and the cookie cleared. */
export function doLogout(deps: LoginDeps): RequestHandler {
  return async (req, res) => {
    await deps.sessions.close(req);
    clearSessionCookie(req, res);
    res.locals.auditAction = 'logout';
    res.redirect(303, '/admin/login?out');
  };
}
