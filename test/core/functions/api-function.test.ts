import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Code } from 'aws-cdk-lib/aws-lambda';
import type { CreateApiFunctionProps } from '../../../lib/core/functions/api-function';
import { createApiFunction } from '../../../lib/core/functions/api-function';
import { handlerCode, layerCode } from '../../../lib/core/functions/handler-asset';
import { StageProfile } from '../../../lib';
import { expectApiError, newStack } from '../../support/core-stacks';

let app: App;
let stack: Stack;
beforeEach(() => {
  ({ app, stack } = newStack());
});

const inline = { code: Code.fromInline('exports.handler = async () => ({ statusCode: 200 });') };

function fn(props: Partial<CreateApiFunctionProps> = {}) {
  return createApiFunction(stack, 'Items', { profile: StageProfile.dev(), source: inline, ...props });
}

describe('createApiFunction defaults', () => {
  test('Node.js 24 on arm64, JSON logs to its own log group, 256 MB, 29 s, active tracing', () => {
    // WHEN
    fn({ description: 'Items handler', environment: { TABLE: 'items' } });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 256,
      Timeout: 29,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.stringLikeRegexp('^ItemsLogGroup') } },
      Description: 'Items handler',
      Environment: { Variables: { TABLE: 'items' } },
      Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ItemsServiceRole'), 'Arn'] },
      ReservedConcurrentExecutions: Match.absent(),
      VpcConfig: Match.absent(),
    });
  });

  test('does not trace when the profile turns tracing off', () => {
    fn({ profile: StageProfile.dev({ tracing: false }) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', { TracingConfig: Match.absent() });
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('xray:');
  });

  test('the log group has the profile retention and removal policy', () => {
    fn({ profile: StageProfile.prod() });
    Template.fromStack(stack).hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 365, KmsKeyId: Match.absent() },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('the dev log group keeps a week and is deleted with the stack', () => {
    fn();
    Template.fromStack(stack).hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 7 }, DeletionPolicy: 'Delete' });
  });

  test('the log group is encrypted with the profile key', () => {
    const key = new Key(stack, 'LogKey');
    fn({ profile: StageProfile.prod({ logEncryptionKey: key }) });
    Template.fromStack(stack).hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LogKey'), 'Arn'] } });
  });

  test('has a role of its own without managed policies, writing only to its log group', () => {
    // WHEN
    fn({ description: 'Items handler' });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
      },
      ManagedPolicyArns: Match.absent(),
      Description: 'Execution role of: Items handler',
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ItemsLogGroup'), 'Arn'] },
          },
          { Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Effect: 'Allow', Resource: '*' },
        ]),
      },
      Roles: [{ Ref: Match.stringLikeRegexp('^ItemsServiceRole') }],
    });
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toMatch(/"logs:\*"|"logs:CreateLogGroup"/);
  });

  test('applies memory, timeout and environment encryption options', () => {
    const key = new Key(stack, 'EnvKey');
    fn({ options: { memorySize: 1024, timeout: Duration.seconds(10), environmentEncryption: key } });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 1024,
      Timeout: 10,
      KmsKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EnvKey'), 'Arn'] },
    });
  });

  test('uses a given handler name', () => {
    fn({ source: { ...inline, handler: 'main.run' } });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { Handler: 'main.run' });
  });
});

describe('VPC', () => {
  test('runs in the VPC and adds the network-interface statement, still without managed policies', () => {
    // GIVEN
    const vpc = new Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: SubnetType.PRIVATE_ISOLATED }] });

    // WHEN
    fn({ options: { vpc, vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED } } });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: Match.arrayWith([{ Ref: Match.stringLikeRegexp('^VpcisolatedSubnet1') }]), SecurityGroupIds: [Match.anyValue()] },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: [
              'ec2:CreateNetworkInterface',
              'ec2:DescribeNetworkInterfaces',
              'ec2:DescribeSubnets',
              'ec2:DeleteNetworkInterface',
              'ec2:AssignPrivateIpAddresses',
              'ec2:UnassignPrivateIpAddresses',
            ],
            Effect: 'Allow',
            Resource: '*',
          },
        ]),
      },
    });
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  test('without a VPC, has no network-interface statement', () => {
    fn();
    expect(JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'))).not.toContain('ec2:CreateNetworkInterface');
  });
});

describe('reserved concurrency', () => {
  test.each([0, 10])('sets %p', (reserved) => {
    fn({ options: { reservedConcurrentExecutions: reserved } });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: reserved });
  });

  test.each([-1, 1.5])('rejects %p, naming the prop', (reserved) => {
    expectApiError(
      () => fn({ options: { reservedConcurrentExecutions: reserved } }),
      'ReservedConcurrencyInvalid',
      /functionOptions\.reservedConcurrentExecutions must be a whole number from 0 to 1000000/,
      new RegExp(`Got: ${String(reserved).replace('.', '\\.')}`),
    );
  });

  test('names the prop path the construct gives', () => {
    expectApiError(
      () => fn({ optionsProp: 'routes[3].functionOptions', options: { reservedConcurrentExecutions: -5 } }),
      'ReservedConcurrencyInvalid',
      /routes\[3\]\.functionOptions\.reservedConcurrentExecutions/,
      /Got: -5/,
    );
  });

  test('skips an unresolved token', () => {
    expect(() => fn({ options: { reservedConcurrentExecutions: Lazy.number({ produce: () => 5 }) } })).not.toThrow();
  });
});

describe('memory size', () => {
  test.each([128, 10_240])('accepts %p MB', (memorySize) => {
    fn({ options: { memorySize } });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { MemorySize: memorySize });
  });

  test.each([127, 10_241, 256.5])('rejects %p MB', (memorySize) => {
    expectApiError(
      () => fn({ options: { memorySize } }),
      'MemorySizeInvalid',
      /functionOptions\.memorySize must be a whole number from 128 to 10240/,
      new RegExp(`Got: ${String(memorySize).replace('.', '\\.')}`),
    );
  });

  test('rejects before creating anything', () => {
    expectApiError(() => fn({ options: { memorySize: 64 } }), 'MemorySizeInvalid', /Got: 64/);
    expect(stack.node.tryFindChild('ItemsLogGroup')).toBeUndefined();
    expect(stack.node.tryFindChild('Items')).toBeUndefined();
  });
});

/** A stack whose App records asset paths in the template metadata, to find the staged code. */
function useAssetMetadata(): void {
  app = new App({ context: { 'aws:cdk:enable-asset-metadata': true } });
  stack = new Stack(app, 'AssetStack');
}

function stagedAssetDir(): string {
  const template = Template.fromStack(stack);
  const [resource] = Object.values(template.findResources('AWS::Lambda::Function')) as Array<{ Metadata: Record<string, string> }>;
  return join(app.outdir, resource.Metadata['aws:asset:path']);
}

describe('entry functions', () => {
  test('bundle a TypeScript entry with esbuild as ESM with source maps', () => {
    // GIVEN
    useAssetMetadata();

    // WHEN
    fn({ source: { entry: join(__dirname, '..', '..', 'fixtures', 'core-hello-handler.ts') } });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps' } },
      TracingConfig: { Mode: 'Active' },
    });
    const assetDir = stagedAssetDir();
    const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect(bundle).toContain('hello from core-hello-handler');
    expect(bundle).toMatch(/export\s*\{/);
    expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
  });

  test('use a given export name as the handler', () => {
    fn({ source: { entry: join(__dirname, '..', '..', 'fixtures', 'core-hello-handler.ts'), handler: 'main' } });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.main' });
  });
});

describe('handlerCode', () => {
  test('returns the pre-bundled asset of a shipped handler', () => {
    // GIVEN
    useAssetMetadata();

    // WHEN
    fn({ source: { code: handlerCode('jwt-token-authorizer') } });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler', Code: { S3Key: Match.stringLikeRegexp('\\.zip$') } });
    expect(existsSync(join(stagedAssetDir(), 'index.mjs'))).toBe(true);
  });

  test('rejects an unknown handler, naming it', () => {
    expectApiError(() => handlerCode('no-such-handler'), 'HandlerAssetMissing', /the bundled handler "no-such-handler" is missing at .*dist\/assets\/no-such-handler/, /npm run build/);
    expectApiError(() => layerCode('no-such-layer'), 'HandlerAssetMissing', /the bundled layer "no-such-layer" is missing at .*dist\/assets\/no-such-layer/, /npm run build/);
  });
});
