import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import type { IPolicyValidationContext, PolicyValidationPluginReport } from 'aws-cdk-lib';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { ControlTowerGuard } from '../../../lib';

/** GIVEN templates with Lambda, log and S3 findings (the second with fewer types), written where a validation plugin reads them. */
function context(templates = 1): IPolicyValidationContext {
  const dir = mkdtempSync(join(tmpdir(), 'guard-'));
  const templatePaths = Array.from({ length: templates }, (_, i) => {
    const stack = new Stack(new App(), `Guarded${i}`);
    new LogGroup(stack, 'Logs');
    if (i % 2 === 0) new Bucket(stack, 'Bucket');
    new LambdaFunction(stack, 'Fn', { runtime: Runtime.NODEJS_24_X, handler: 'index.handler', code: Code.fromInline('exports.handler=()=>1') });
    const templatePath = join(dir, `Guarded${i}.template.json`);
    writeFileSync(templatePath, JSON.stringify(Template.fromStack(stack).toJSON()));
    return templatePath;
  });
  return { templatePaths, stackTemplates: [], appConstruct: new App() };
}

function findings(report: PolicyValidationPluginReport): string[] {
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.templatePath} ${r.resourceLogicalId}`)).sort();
}

describe('ControlTowerGuard', () => {
  const ctx = context();

  test('reports exactly what the full Control Tower rule set reports', () => {
    // WHEN both plugins validate the same templates
    const full = new CfnGuardValidator().validate(ctx);
    const scoped = new ControlTowerGuard().validate(ctx);

    // THEN the findings are identical, and there are some to compare
    expect(findings(scoped)).toEqual(findings(full));
    expect(findings(scoped).length).toBeGreaterThan(2);
    expect(scoped.success).toBe(false);
  });

  test('templates checked by parallel cfn-guard runs give the findings of one run over all of them', () => {
    // GIVEN three templates of different resource types
    const several = context(3);

    // WHEN they are checked in parallel (two worker threads) and in one run
    const parallel = new ControlTowerGuard({ parallelism: 2 }).validate(several);
    const single = new ControlTowerGuard({ parallelism: 1 }).validate(several);
    const full = new CfnGuardValidator().validate(several);

    // THEN the findings are the same, for every template
    expect(findings(parallel)).toEqual(findings(single));
    expect(findings(parallel)).toEqual(findings(full));
    expect(new Set(findings(parallel).map((f) => f.split(' ')[1])).size).toBe(3);
    expect(parallel.success).toBe(false);
  });

  test('resource Metadata (half of a synthesized template) changes no finding, and reports name the original template', () => {
    // GIVEN the templates with acknowledgment-like Metadata on every resource, as applyCompliance writes it
    const withMetadata = context(2);
    for (const path of withMetadata.templatePaths) {
      const template = JSON.parse(readFileSync(path, 'utf8')) as { Resources: Record<string, { Metadata?: unknown }> };
      for (const resource of Object.values(template.Resources)) resource.Metadata = { cdk_nag: { rules_to_suppress: [{ id: 'AwsSolutions-L1', reason: 'x'.repeat(400) }] } };
      writeFileSync(path, JSON.stringify(template));
    }

    // WHEN the guard and the full rule set check them
    const scoped = new ControlTowerGuard({ parallelism: 2 }).validate(withMetadata);
    const full = new CfnGuardValidator().validate(withMetadata);

    // THEN the findings, with their template paths, are the same
    expect(findings(scoped)).toEqual(findings(full));
    expect(findings(scoped).every((f) => withMetadata.templatePaths.includes(f.split(' ')[1]))).toBe(true);
  });

  test('leaves no copy of a template behind', () => {
    const copies = (): string[] => readdirSync(tmpdir()).filter((name) => name.startsWith('ct-guard-'));
    const before = copies();
    new ControlTowerGuard({ parallelism: 2 }).validate(context(2));
    expect(copies()).toEqual(before);
  });

  test('start: checks started early are the ones validate collects, with the findings of the full rule set', () => {
    // GIVEN a guard whose checks were started early, as applyCompliance does before the other plugins
    const guard = new ControlTowerGuard({ parallelism: 2 });
    const several = context(2);
    guard.start(several);

    // WHEN the guard itself validates
    const report = guard.validate(several);

    // THEN it reports what the full rule set does
    expect(findings(report)).toEqual(findings(new CfnGuardValidator().validate(several)));
    // A second validation (a new synth of the same app) checks the templates again.
    expect(findings(guard.validate(several))).toEqual(findings(report));
  });

  test('uses the plugin name that acknowledgments are written against', () => {
    expect(new ControlTowerGuard().name).toBe(new CfnGuardValidator().name);
  });

  test('disabled rules are left out', () => {
    // GIVEN every S3 rule file of the package disabled by name
    const s3Rules = readdirSync(join(dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')), 'rules/control-tower/cfn-guard/s3'))
      .filter((f) => f.endsWith('.guard'))
      .map((f) => f.replace(/\.guard$/, ''));
    const all = findings(new ControlTowerGuard().validate(ctx));
    const withoutS3 = findings(new ControlTowerGuard({ disabledRules: s3Rules }).validate(ctx));

    // THEN the bucket's findings are gone and the others stay
    expect(all.some((f) => f.includes('Bucket'))).toBe(true);
    expect(withoutS3.some((f) => f.includes('Bucket'))).toBe(false);
    expect(withoutS3).toEqual(all.filter((f) => !f.includes('Bucket')));
  });
});

describe('ControlTowerGuard inside a synthesis', () => {
  test('an unacknowledged finding fails the synth even when another finding of the same app is acknowledged', () => {
    // GIVEN an app with two Control Tower findings (two Lambda functions outside a VPC), one of them acknowledged
    const outdir = mkdtempSync(join(tmpdir(), 'guard-synth-'));
    const app = new App({ outdir, context: { '@aws-cdk/core:failSynthOnValidationErrors': true } });
    const stack = new Stack(app, 'Guarded');
    const fn = (id: string) => new LambdaFunction(stack, id, { runtime: Runtime.NODEJS_24_X, handler: 'index.handler', code: Code.fromInline('exports.handler=()=>1') });
    const acknowledged = fn('Acknowledged');
    fn('Open');
    Validations.of(acknowledged).acknowledge({ id: 'cdk-validator-cfnguard::lambda_inside_vpc_check', reason: 'test' });
    Validations.of(app).addPlugins(new ControlTowerGuard({ parallelism: 1 }));

    // WHEN it synthesizes, THEN the open finding fails it, and the report concludes "failure"
    expect(() => app.synth()).toThrow(/lambda_inside_vpc_check/);
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: Array<{ pluginName: string; conclusion: string }> };
    expect(report.pluginReports.find((r) => r.pluginName === 'cdk-validator-cfnguard')?.conclusion).toBe('failure');
  });

  test('every finding it reports is an error', () => {
    expect(new ControlTowerGuard().validate(context()).violations.map((v) => v.severity)).toEqual(expect.arrayContaining(['error']));
    expect(new ControlTowerGuard().validate(context()).violations.every((v) => v.severity === 'error')).toBe(true);
  });
});
