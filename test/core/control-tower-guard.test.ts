import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import type { IPolicyValidationContext, PolicyValidationPluginReport } from 'aws-cdk-lib';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { ControlTowerGuard } from '../../lib';

/** GIVEN a template with Lambda, log and S3 findings, written where a validation plugin reads it. */
function context(): IPolicyValidationContext {
  const app = new App();
  const stack = new Stack(app, 'Guarded');
  new LogGroup(stack, 'Logs');
  new Bucket(stack, 'Bucket');
  new LambdaFunction(stack, 'Fn', { runtime: Runtime.NODEJS_24_X, handler: 'index.handler', code: Code.fromInline('exports.handler=()=>1') });
  const dir = mkdtempSync(join(tmpdir(), 'guard-'));
  const templatePath = join(dir, 'Guarded.template.json');
  writeFileSync(templatePath, JSON.stringify(Template.fromStack(stack).toJSON()));
  return { templatePaths: [templatePath], stackTemplates: [], appConstruct: app };
}

function findings(report: PolicyValidationPluginReport): string[] {
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.resourceLogicalId}`)).sort();
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
