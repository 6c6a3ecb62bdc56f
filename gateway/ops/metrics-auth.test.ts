import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { metricsAuth, sameSecret } from './metrics-auth.js';

const TOKEN = 'm'.repeat(40);

function appWith(token: string | undefined, failures: string[]) {
  const app = express();
  app.get('/metrics', ...metricsAuth({
    ...(token ? { token } : {}), onFailure: async (req) => { failures.push(req.ip ?? ''); },
    fallback: [(_req, res) => { res.status(299).send('fallback'); }],
  }), (_req, res) => { res.send('metrics'); });
  app.use(((err, _req, res, _next) => { res.status(err.status ?? 500).set(err.headers ?? {}).send(err.message); }) as express.ErrorRequestHandler);
  return app;
}

describe('metricsAuth', () => {
  it('accepts exactly the METRICS_TOKEN bearer and counts every other attempt as a failure', async () => {
    const failures: string[] = [];
    const app = appWith(TOKEN, failures);
    expect((await request(app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`)).text).toBe('metrics');
    for (const auth of [undefined, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, `Basic ${TOKEN}`, TOKEN]) {
      const req = request(app).get('/metrics');
      const res = await (auth ? req.set('Authorization', auth) : req);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    expect(failures).toHaveLength(5);
  });

  it('hands over to the API-key chain when no token is configured', async () => {
    const res = await request(appWith(undefined, [])).get('/metrics');
    expect(res.status).toBe(299);
  });

  it('compares secrets of any length without throwing', () => {
    expect(sameSecret(TOKEN, TOKEN)).toBe(true);
    expect(sameSecret('short', TOKEN)).toBe(false);
    expect(sameSecret('', TOKEN)).toBe(false);
  });
});
