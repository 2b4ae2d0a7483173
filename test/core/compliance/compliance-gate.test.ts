import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');
const CDK = join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk');
const APP = 'node --require ./scripts/register-ts.cjs test/fixtures/compliance-gate-app.ts';

let outdir: string;
beforeEach(() => {
  outdir = mkdtempSync(join(tmpdir(), 'compliance-gate-'));
});
afterEach(() => rmSync(outdir, { recursive: true, force: true }));

/** Runs the real CDK CLI's bare `cdk synth` (no stack selector) over the fixture app. */
async function bareSynth(env: Record<string, string>): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CDK, 'synth', '--app', APP, '--output', outdir, '--quiet'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    return { code: 0, output: stdout + stderr };
  } catch (e) {
    const failure = e as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? -1, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
  }
}

describe('the compliance gate under the CDK CLI (every stack inside a Stage, no selector)', () => {
  test('GIVEN an unacknowledged resource in a stage WHEN `cdk synth` runs bare THEN it exits non-zero and names the violations', async () => {
    const { code, output } = await bareSynth({ GATE_VIOLATION: '1' });
    expect(code).not.toBe(0);
    expect(output).toMatch(/Compliance check failed: \d+ violation\(s\)/);
    expect(output).toContain('AwsSolutions-S1 at dev/Service/Unacknowledged/Resource');
  });

  test('GIVEN a compliant stage WHEN `cdk synth` runs bare THEN it exits 0', async () => {
    const { code, output } = await bareSynth({ GATE_VIOLATION: '0' });
    expect(output).not.toMatch(/Compliance check failed/);
    expect(code).toBe(0);
  });
});
