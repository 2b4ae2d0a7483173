import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { Code } from 'aws-cdk-lib/aws-lambda';
import type { ILayerVersion } from 'aws-cdk-lib/aws-lambda';
import { createApiFunction } from '../../../lib/core/functions/api-function';
import { POWERTOOLS_LAYER_PARAMETER, POWERTOOLS_VERSION } from '../../../lib/core/functions/powertools-layer';
import { PowertoolsLayer, StageProfile } from '../../../lib';
import type { CfnElement } from 'aws-cdk-lib';
import { newStack } from '../../support/core-stacks';

const ROOT = join(__dirname, '..', '..', '..');
/** A function that runs with `layers` (a template needs a resource that uses the parameter). */
function functionWith(scope: Construct, id: string, layers: ILayerVersion[]) {
  return createApiFunction(scope, id, { profile: StageProfile.dev(), source: { code: Code.fromInline('exports.handler = async () => 1;') }, layers });
}

const LAYER_PACKAGES = join(ROOT, 'dist', 'assets', 'powertools-layer', 'nodejs', 'node_modules', '@aws-lambda-powertools');
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

describe('powertoolsLayer', () => {
  test('is the Powertools layer the library ships: the bundled packages, for Node.js 24 on both architectures', () => {
    // GIVEN
    const { stack } = newStack();

    // WHEN
    const layer = PowertoolsLayer.bundled(stack);
    functionWith(stack, 'Fn', [layer]);

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::LayerVersion', 1);
    template.hasResourceProperties('AWS::Lambda::LayerVersion', {
      CompatibleRuntimes: ['nodejs24.x'],
      CompatibleArchitectures: ['arm64', 'x86_64'],
      Description: `Powertools for AWS Lambda (TypeScript) ${POWERTOOLS_VERSION}: logger, metrics, tracer (bundled by cdk-api-gateway-patterns)`,
      LicenseInfo: 'MIT-0 (Powertools), Apache-2.0 (AWS X-Ray SDK)',
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Layers: [{ Ref: stack.getLogicalId(layer.node.defaultChild as CfnElement) }] });
    expect(Object.keys(template.findParameters('*', { Default: POWERTOOLS_LAYER_PARAMETER }))).toEqual([]);
  });

  test('is one layer per stack, whoever asks', () => {
    const { stack } = newStack();
    const first = PowertoolsLayer.bundled(stack);
    const second = PowertoolsLayer.bundled(new Construct(stack, 'Nested'));
    functionWith(stack, 'A', [first]);
    functionWith(stack, 'B', [second]);

    expect(second).toBe(first);
    Template.fromStack(stack).resourceCountIs('AWS::Lambda::LayerVersion', 1);
  });

  test('holds the pinned version of each package the handlers import', () => {
    const manifest = json(join(ROOT, 'package.json')) as { devDependencies: Record<string, string> };
    for (const pkg of ['logger', 'metrics', 'tracer']) {
      expect(manifest.devDependencies[`@aws-lambda-powertools/${pkg}`]).toBe(POWERTOOLS_VERSION);
      expect(json(join(ROOT, 'node_modules', '@aws-lambda-powertools', pkg, 'package.json')).version).toBe(POWERTOOLS_VERSION);
      expect(json(join(LAYER_PACKAGES, pkg, 'package.json'))).toMatchObject({
        name: `@aws-lambda-powertools/${pkg}`,
        version: POWERTOOLS_VERSION,
        type: 'module',
        exports: './index.mjs',
      });
    }
  });
});

describe('PowertoolsLayer', () => {
  test('reads the ARN of AWS’s layer of the pinned version from its public SSM parameter at deploy time', () => {
    const { stack } = newStack();

    const layer = PowertoolsLayer.awsManaged(stack);
    functionWith(stack, 'Fn', [layer]);
    functionWith(stack, 'Other', [PowertoolsLayer.awsManaged(new Construct(stack, 'Nested'))]);

    expect(POWERTOOLS_LAYER_PARAMETER).toBe(`/aws/service/powertools/typescript/generic/all/${POWERTOOLS_VERSION}`);
    const template = Template.fromStack(stack);
    const parameters = template.findParameters('*', { Default: POWERTOOLS_LAYER_PARAMETER });
    expect(Object.values(parameters)).toEqual([expect.objectContaining({ Type: 'AWS::SSM::Parameter::Value<String>' })]);
    expect(stack.resolve(layer.layerVersionArn)).toEqual({ Ref: Object.keys(parameters)[0] });
    template.allResourcesProperties('AWS::Lambda::Function', { Layers: [{ Ref: Object.keys(parameters)[0] }] });
    template.resourceCountIs('AWS::Lambda::LayerVersion', 0);
  });
});
