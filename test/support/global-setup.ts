import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * One temporary folder for the whole run: every temporary folder a test makes (`new App()`
 * without an outdir synthesizes into a fresh `cdk.outXXXX` under the system temp directory, and
 * never removes it) lands inside it, and global-teardown.ts removes it. The workers inherit TMPDIR.
 */
export default function globalSetup(): void {
  const runDir = mkdtempSync(join(tmpdir(), 'cdk-api-gateway-patterns-test-'));
  process.env.CDK_API_GATEWAY_PATTERNS_TEST_TMPDIR = runDir;
  process.env.TMPDIR = runDir;
}
