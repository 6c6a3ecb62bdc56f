import { describe, expect, it } from 'vitest';
import { DEFAULT_URL, parseImportArgs, UsageError } from './options.js';

describe('import options', () => {
  it('takes flags over the environment over the defaults', () => {
    expect(parseImportArgs(['in'], { GATEWAY_API_KEY: 'k1' })).toEqual({ paths: ['in'], url: DEFAULT_URL, key: 'k1', concurrency: 2, dryRun: false, json: false });
    expect(parseImportArgs(['--key', 'k2', '--url', 'https://gw.example/base/', 'a', 'b', '--concurrency', '4', '--kind', 'encounter', '--profile', 'his_a', '--json'],
      { GATEWAY_API_KEY: 'k1', GATEWAY_URL: 'http://other:1' }))
      .toEqual({ paths: ['a', 'b'], url: 'https://gw.example/base', key: 'k2', kind: 'encounter', profile: 'his_a', concurrency: 4, dryRun: false, json: true });
    expect(parseImportArgs(['in'], { GATEWAY_API_KEY: 'k', GATEWAY_URL: 'http://10.0.0.5:8080' })).toMatchObject({ url: 'http://10.0.0.5:8080' });
  });

  it('needs no key for a dry run; --help wins', () => {
    expect(parseImportArgs(['--dry-run', 'in'], {})).toMatchObject({ dryRun: true, key: '' });
    expect(parseImportArgs(['--help', '--bogus'], {})).toBe('help');
  });

  it.each([
    [['in'], /no API key/],
    [['--key', 'k'], /no files or folders/],
    [['--key', 'k', '--bogus', 'in'], /Unknown option '--bogus'/],
    [['--key', 'k', '--kind', 'lab', 'in'], /--kind must be immunization or encounter/],
    [['--key', 'k', '--concurrency', '0', 'in'], /--concurrency/],
    [['--key', 'k', '--concurrency', '2.5', 'in'], /--concurrency/],
    [['--key', 'k', '--url', 'ftp://x', 'in'], /http:\/\/ or https:\/\//],
    [['--key', 'k', '--url', 'not a url', 'in'], /not a URL/],
    [['--key', 'k', '--profile', 'a b', 'in'], /--profile/],
  ])('refuses %j', (args, message) => {
    expect(() => parseImportArgs(args, {})).toThrow(UsageError);
    expect(() => parseImportArgs(args, {})).toThrow(message);
  });
});
