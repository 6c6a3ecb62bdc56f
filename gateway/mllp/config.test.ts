import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';

const BASE = { DATABASE_URL: 'postgres://x/y', REDIS_URL: 'redis://x', DATA_ENCRYPTION: 'off' };

describe('MLLP configuration', () => {
  it('has no listener unless MLLP_PORT is set', () => expect(loadConfig(BASE).mllp).toBeUndefined());

  it('binds the port to MLLP_FACILITY, with frame and idle limits', () => {
    expect(loadConfig({ ...BASE, MLLP_PORT: '2575', MLLP_FACILITY: '79001' }).mllp).toEqual({ port: 2575, facility: '79001', maxFrameBytes: 1048576, idleTimeoutMs: 60000 });
  });

  it('refuses a port without a facility unless DEMO=1, where it accepts every facility', () => {
    expect(() => loadConfig({ ...BASE, MLLP_PORT: '2575' })).toThrow(ConfigError);
    expect(loadConfig({ ...BASE, MLLP_PORT: '2575', DEMO: '1' }).mllp?.facility).toBeNull();
    expect(() => loadConfig({ ...BASE, MLLP_PORT: '2575', MLLP_FACILITY: 'too-long' })).toThrow(ConfigError);
  });
});
