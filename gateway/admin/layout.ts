import { h, type SafeHtml } from './html.js';
import type { Dict, Lang } from './i18n.js';

/** What every page needs to render: the labels, the language, the session's CSRF token, the path. */
export interface ViewContext {
  t: Dict;
  lang: Lang;
  /** Null on pages shown without a session (login, errors before login). */
  csrf: string | null;
  /** The request path under /admin, for the language switch. */
  path: string;
}

/** The navigation entries: path, label key. */
const NAV: ReadonlyArray<[string, keyof Dict]> = [['/admin', 'overview'], ['/admin/errors', 'errors'], ['/admin/uploads', 'uploads'], ['/admin/reports', 'reports']];

/** A hidden CSRF field for a POST form of the session. */
export function csrfField(ctx: ViewContext): SafeHtml {
  return h`<input type="hidden" name="csrf" value="${ctx.csrf ?? ''}">`;
}

function navBar(ctx: ViewContext, active: string): SafeHtml {
  const other = ctx.lang === 'vi' ? 'en' : 'vi';
  const links = NAV.map(([path, key]) => h`<a href="${path}"${path === active ? h` aria-current="page"` : ''}>${ctx.t[key]}</a>`);
  const logout = ctx.csrf ? h`<form method="post" action="/admin/logout" class="logout">${csrfField(ctx)}<button type="submit">${ctx.t.logout}</button></form>` : '';
  return h`<nav><span class="brand">${ctx.t.appName}</span>${ctx.csrf ? links : ''}<a class="lang" href="${ctx.path}?lang=${other}" hreflang="${other}">${ctx.t.language}</a>${logout}</nav>`;
}

/** A whole page: UTF-8, the stylesheet, the navigation bar (signed-in pages), the title and the body. */
export function page(ctx: ViewContext, p: { title: string; active?: string; body: SafeHtml }): string {
  return h`<!doctype html>
<html lang="${ctx.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${p.title} · ${ctx.t.appName}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/admin/static/admin.css">
</head>
<body>
${navBar(ctx, p.active ?? '')}
<main>
<h1>${p.title}</h1>
${p.body}
</main>
</body>
</html>
`.value;
}

/** A number in the page's language (1.234 in Vietnamese, 1,234 in English). */
export function num(ctx: ViewContext, n: number): string {
  return n.toLocaleString(ctx.lang === 'vi' ? 'vi-VN' : 'en-US');
}

/** A success rate as a percentage with one decimal, or an em dash when nothing was received. */
export function pct(ctx: ViewContext, rate: number | null): string {
  return rate === null ? '—' : `${(rate * 100).toLocaleString(ctx.lang === 'vi' ? 'vi-VN' : 'en-US', { maximumFractionDigits: 1 })} %`;
}
