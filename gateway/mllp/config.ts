import { ConfigError } from '../config-schema.js';

/** An MLLP listener: one port bound to one facility, or to a facility per source address (any facility only with DEMO=1). */
export interface MllpConfig {
  port: number;
  /** MLLP_FACILITY: the MSH-4 every message on the port must carry; null with DEMO=1 or with `sources`. */
  facility: string | null;
  /**
   * MLLP_SOURCES: the facility of each source address allowed to connect (IPv4 or IPv6 as written);
   * a connection from any other address is closed. Null: every address, bound to `facility`.
   */
  sources: Readonly<Record<string, string>> | null;
  maxFrameBytes: number;
  idleTimeoutMs: number;
}

/** MLLP_PORT needs MLLP_FACILITY (the port's facility) unless DEMO=1, where the port takes any facility. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- validated and defaulted by the schema
export function mllpFrom(e: Record<string, any>): MllpConfig {
  if (e.MLLP_FACILITY && e.MLLP_SOURCES) throw new ConfigError('invalid configuration:\n  MLLP_SOURCES: give MLLP_FACILITY (one facility for the port) or MLLP_SOURCES (a facility per source address), not both');
  if (!e.MLLP_FACILITY && !e.MLLP_SOURCES && !e.DEMO) {
    throw new ConfigError('invalid configuration:\n  MLLP_PORT: needs MLLP_FACILITY (the facility code this port accepts) or MLLP_SOURCES (address=facility,…), or DEMO=1 to accept every facility');
  }
  const sources = e.MLLP_SOURCES ? Object.freeze(Object.fromEntries((e.MLLP_SOURCES as string).split(',').map((pair) => {
    const [address, facility] = pair.split('=') as [string, string];
    return [normalizeAddress(address), facility];
  }))) : null;
  return Object.freeze({ port: e.MLLP_PORT, facility: e.MLLP_FACILITY ?? null, sources, maxFrameBytes: e.MLLP_MAX_FRAME_BYTES, idleTimeoutMs: e.MLLP_IDLE_TIMEOUT_MS });
}

/** MLLP_PORTS `port=facility,…`: one more listener per pair, each bound to its facility. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- validated by the schema
export function mllpPortsFrom(e: Record<string, any>): readonly MllpConfig[] {
  if (!e.MLLP_PORTS) return Object.freeze([]);
  const ports = (e.MLLP_PORTS as string).split(',').map((pair) => {
    const [port, facility] = pair.split('=') as [string, string];
    if (Number(port) < 1 || Number(port) > 65535) throw new ConfigError(`invalid configuration:\n  MLLP_PORTS: port ${port} is not 1–65535`);
    return Object.freeze({ port: Number(port), facility, sources: null, maxFrameBytes: e.MLLP_MAX_FRAME_BYTES, idleTimeoutMs: e.MLLP_IDLE_TIMEOUT_MS });
  });
  const all = [...ports.map((p) => p.port), ...(e.MLLP_PORT ? [e.MLLP_PORT] : [])];
  if (new Set(all).size !== all.length) throw new ConfigError('invalid configuration:\n  MLLP_PORTS: a port is listed twice (or repeats MLLP_PORT)');
  return Object.freeze(ports);
}

/** A source address as Node reports it for comparison: IPv4-mapped IPv6 (`::ffff:10.0.0.5`) as plain IPv4, lower case. */
export function normalizeAddress(address: string): string {
  const a = address.toLowerCase();
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}
