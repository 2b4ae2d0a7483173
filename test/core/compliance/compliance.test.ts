import { mkdtempSync } from 'node:fs';
import type * as LibraryModule from '../../../lib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AlarmTopic, ApiGatewayCloudWatchRole, ApiKind, ApiMetrics, ApiCompliance, LogEncryptionKey, StageProfile } from '../../../lib';
import { ApiAlarms } from '../../../lib/core/observability/alarms';
import { COMPLIANCE_PACKS } from '../../../lib/core/compliance/compliance';
import { createApiFunction } from '../../../lib/core/functions/api-function';
import { validateTemplates } from '../../support/template-validation';

// Compliance runs as in a user's synth: with CloudFormation's own schema checks.
validateTemplates();

// Each test synthesizes its own small App into a temporary folder; Control Tower (cfn-guard) runs
// take about 5 s, so only the tests that are about it turn it on.
function newApp(): { app: App; stack: Stack } {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'core-compliance-')) });
  return { app, stack: new Stack(app, 'Stack') };
}

function synthError(app: App): string {
  try {
    app.synth();
  } catch (e) {
    return String(e);
  }
  throw new Error('expected synthesis to fail');
}

test('attaches the five cdk-nag packs', () => {
  expect([...COMPLIANCE_PACKS]).toEqual(['AwsSolutions', 'Serverless', 'NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321']);
});

test('a compliant stack synthesizes with every pack and Control Tower on', () => {
  // GIVEN
  const { app, stack } = newApp();
  const topic = new AlarmTopic(stack, 'AlarmTopic');
  new LogEncryptionKey(stack, 'LogKey');
  const metrics = new ApiMetrics({ kind: ApiKind.HTTP, apiIdentifier: 'abc123', stageName: 'dev' });
  new ApiAlarms(stack, 'DevAlarms', { metrics, profile: StageProfile.dev(), apiLabel: 'Dev API' });
  new ApiAlarms(stack, 'ProdAlarms', { metrics, profile: StageProfile.prod({ alarmTopic: topic.topic }), apiLabel: 'Prod API' });

  // WHEN
  ApiCompliance.apply(app);

  // THEN
  const assembly = app.synth();
  const template = assembly.getStackByName('Stack').template as { Resources: Record<string, { Type: string; Metadata?: Record<string, unknown> }> };
  // Acknowledgments of alarms without a topic are written into the template for audit.
  const devAlarm = Object.entries(template.Resources).find(([id, r]) => id.startsWith('DevAlarmsServerErrors') && r.Type === 'AWS::CloudWatch::Alarm');
  expect(JSON.stringify(devAlarm?.[1].Metadata)).toContain('CloudWatchAlarmAction');
});

test('a non-compliant resource (an unencrypted topic) makes synth throw, naming the rules', () => {
  // GIVEN
  const { app, stack } = newApp();
  new Topic(stack, 'Plain');
  ApiCompliance.apply(app, { controlTower: false });

  // WHEN
  const message = synthError(app);

  // THEN
  expect(message).toMatch(/Stack\/Plain\/Resource/);
  expect(message).toMatch(/AwsSolutions::AwsSolutions-SNS3/);
  expect(message).toMatch(/NIST\.800\.53\.R5::NIST\.800\.53\.R5-SNSEncryptedKMS/);
  expect(message).toMatch(/HIPAA\.Security::HIPAA\.Security-SNSEncryptedKMS/);
  expect(message).toMatch(/PCI\.DSS\.321::PCI\.DSS\.321-SNSEncryptedKMS/);
});

test('Control Tower rules run by default', () => {
  // GIVEN
  const { app, stack } = newApp();
  new Bucket(stack, 'Bucket');
  ApiCompliance.apply(app);

  // THEN
  const message = synthError(app);
  expect(message).toMatch(/\(cdk-validator-cfnguard\)/);
  expect(message).toMatch(/cdk-validator-cfnguard::s3_bucket_versioning_enabled_check/);
  expect(message).toMatch(/AwsSolutions::AwsSolutions-S1/);
});

test('controlTower: false leaves the cfn-guard plugin out', () => {
  // GIVEN
  const { app, stack } = newApp();
  new Bucket(stack, 'Bucket');
  ApiCompliance.apply(app, { controlTower: false });

  // THEN
  const message = synthError(app);
  expect(message).not.toMatch(/cdk-validator-cfnguard/);
  expect(message).toMatch(/AwsSolutions::AwsSolutions-S1/);
});

test('a function from createApiFunction passes the cdk-nag packs through its acknowledgments', () => {
  // GIVEN
  const { app, stack } = newApp();
  createApiFunction(stack, 'Fn', { profile: StageProfile.dev(), source: { code: Code.fromInline('exports.handler = async () => 1;') } });
  ApiCompliance.apply(app, { controlTower: false });

  // THEN
  expect(() => app.synth()).not.toThrow();
});

test('ApiGatewayCloudWatchRole passes the cdk-nag packs', () => {
  // GIVEN
  const { app, stack } = newApp();
  new ApiGatewayCloudWatchRole(stack, 'ApiGatewayAccount');
  ApiCompliance.apply(app, { controlTower: false });

  // THEN
  expect(() => app.synth()).not.toThrow();
});

describe('without the optional peer dependencies', () => {
  afterEach(() => {
    jest.dontMock('cdk-nag');
    jest.dontMock('@cdklabs/cdk-validator-cfnguard');
    jest.resetModules();
  });

  test.each([
    ['cdk-nag', 'npm install --save-dev cdk-nag@^3', {}],
    ['@cdklabs/cdk-validator-cfnguard', 'npm install --save-dev @cdklabs/cdk-validator-cfnguard@^0.0.62', { controlTower: true }],
  ])('GIVEN %s is not installed WHEN ApiCompliance.apply runs THEN it fails with the library error naming the package', (pkg, command, options) => {
    jest.doMock(pkg, () => {
      throw Object.assign(new Error(`Cannot find module '${pkg}' from 'lib/core/functions/optional-dependency.ts'`), { code: 'MODULE_NOT_FOUND' });
    });
    jest.isolateModules(() => {
      /* eslint-disable @typescript-eslint/no-require-imports */
      const library = require('../../../lib') as typeof LibraryModule;
      /* eslint-enable @typescript-eslint/no-require-imports */
      const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'core-compliance-')) });
      let error: unknown;
      try {
        library.ApiCompliance.apply(app, options);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(library.ApiPatternsError);
      expect((error as InstanceType<typeof library.ApiPatternsError>).errorId).toBe('OptionalDependencyMissing');
      expect(String(error)).toContain(command);
    });
  });
});
