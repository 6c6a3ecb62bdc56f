import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';

const BASE = { DATABASE_URL: 'postgres://x/y', REDIS_URL: 'redis://x', DATA_ENCRYPTION: 'off' };

describe('MLLP configuration', () => {
  it('has no listener unless MLLP_PORT is set', () => expect(loadConfig(BASE).mllp).toBeUndefined());

  it('binds the port to MLLP_FACILITY, with frame and idle limits', () => {
    expect(loadConfig({ ...BASE, MLLP_PORT: '2575', MLLP_FACILITY: '79001' }).mllp).toEqual({ port: 2575, facility: '79001', sources: null, maxFrameBytes: 1048576, idleTimeoutMs: 60000 });
  });

  it('refuses a port without a facility unless DEMO=1, where it accepts every facility', () => {
    expect(() => loadConfig({ ...BASE, MLLP_PORT: '2575' })).toThrow(ConfigError);
    expect(loadConfig({ ...BASE, MLLP_PORT: '2575', DEMO: '1' }).mllp?.facility).toBeNull();
    expect(() => loadConfig({ ...BASE, MLLP_PORT: '2575', MLLP_FACILITY: 'too-long' })).toThrow(ConfigError);
  });

  it('binds source addresses to facilities (MLLP_SOURCES), IPv4-mapped IPv6 read as IPv4', () => {
    const mllp = loadConfig({ ...BASE, MLLP_PORT: '2575', MLLP_SOURCES: '10.0.0.5=79001,::FFFF:10.0.0.6=79002,fd00::7=79003' }).mllp!;
    expect(mllp).toMatchObject({ facility: null, sources: { '10.0.0.5': '79001', '10.0.0.6': '79002', 'fd00::7': '79003' } });
    expect(() => loadConfig({ ...BASE, MLLP_PORT: '2575', MLLP_FACILITY: '79001', MLLP_SOURCES: '10.0.0.5=79001' })).toThrow(/not both/);
    expect(() => loadConfig({ ...BASE, MLLP_PORT: '2575', MLLP_SOURCES: '10.0.0.5=7900' })).toThrow(ConfigError);
  });

  it('opens more listeners, one facility each (MLLP_PORTS); a port listed twice is refused', () => {
    const config = loadConfig({ ...BASE, MLLP_PORT: '2575', MLLP_FACILITY: '79001', MLLP_PORTS: '2576=79002,2577=79003' });
    expect(config.mllpPorts.map((l) => [l.port, l.facility])).toEqual([[2576, '79002'], [2577, '79003']]);
    expect(loadConfig(BASE).mllpPorts).toEqual([]);
    expect(() => loadConfig({ ...BASE, MLLP_PORT: '2575', MLLP_FACILITY: '79001', MLLP_PORTS: '2575=79002' })).toThrow(/listed twice/);
    expect(() => loadConfig({ ...BASE, MLLP_PORTS: '99999=79002' })).toThrow(/not 1–65535/);
  });
});
