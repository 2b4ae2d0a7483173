import { rmSync } from 'node:fs';

/** Removes the run's temporary folder (see global-setup.ts) and everything the tests left in it. */
export default function globalTeardown(): void {
  const runDir = process.env.CDK_API_GATEWAY_PATTERNS_TEST_TMPDIR;
  if (runDir) rmSync(runDir, { recursive: true, force: true });
}
