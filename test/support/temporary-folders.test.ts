import { tmpdir } from 'node:os';
import { App } from 'aws-cdk-lib';

// Apps synthesized without an outdir write a fresh `cdk.outXXXX` under the system temp directory
// and never remove it. Under `npm test` that directory is the run's own folder, which the global
// teardown removes, so a run leaves nothing behind (test/support/global-setup.ts).
test('temporary folders of the tests land in the run folder that the global teardown removes', () => {
  const runDir = process.env.CDK_API_GATEWAY_PATTERNS_TEST_TMPDIR;
  expect(runDir).toMatch(/cdk-api-gateway-patterns-test-/);
  expect(tmpdir()).toBe(runDir);
  expect(new App().outdir.startsWith(`${runDir}/cdk.out`)).toBe(true);
});
