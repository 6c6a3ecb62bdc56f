/**
 * Bulk import (CLI): npm run import -- [--url URL] [--key KEY] [--kind immunization|encounter]
 *   [--profile NAME] [--concurrency N] [--dry-run] [--json] <files or folders…>
 * Streams claim XML, HL7 v2, CSV and FHIR Bundle files into a running gateway, with progress on
 * stderr and a summary per facility on stdout. Exit code 0 when every record was accepted, 1 when
 * a record was rejected or a file failed, 2 for bad arguments. See docs/import-cli.md.
 */
import { MissingPathError } from './lib/import/discover.js';
import { HELP, parseImportArgs, USAGE, UsageError, type ImportOptions } from './lib/import/options.js';
import { planImport, runImport } from './lib/import/run.js';
import { renderSummary } from './lib/import/summary.js';
import { plansJson, renderPlans } from './lib/import/dry-run.js';

async function main(): Promise<number> {
  let options: ImportOptions | 'help';
  try {
    options = parseImportArgs(process.argv.slice(2), process.env);
    if (options === 'help') {
      console.log(HELP);
      return 0;
    }
    if (options.dryRun) {
      const plans = await planImport(options);
      process.stdout.write(options.json ? `${JSON.stringify(plansJson(plans), null, 2)}\n` : renderPlans(plans));
      return plans.some((p) => p.action === 'error') ? 1 : 0;
    }
    const result = await runImport(options, { progress: process.stderr });
    if ('unreachable' in result) {
      console.error(result.unreachable);
      return 1;
    }
    process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : renderSummary(result));
    return result.exitCode;
  } catch (err) {
    if (err instanceof UsageError || err instanceof MissingPathError) {
      console.error(`${err.message}\n${USAGE}`);
      return 2;
    }
    throw err;
  }
}

process.exitCode = await main();
