import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { Code } from 'aws-cdk-lib/aws-lambda';
import type { ILayerVersion } from 'aws-cdk-lib/aws-lambda';
import { createApiFunction, POWERTOOLS_LAYER_PARAMETER, POWERTOOLS_VERSION, powertoolsLayer, StageProfile } from '../../lib';
import { newStack } from './support';

const ROOT = join(__dirname, '..', '..');
/** A function that runs with `layers` (a template needs a resource that uses the parameter). */
function functionWith(scope: Construct, id: string, layers: ILayerVersion[]) {
  return createApiFunction(scope, id, { profile: StageProfile.dev(), source: { code: Code.fromInline('exports.handler = async () => 1;') }, layers });
}

const json = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

describe('powertoolsLayer', () => {
  test('reads the ARN of the pinned version from AWS’s public SSM parameter at deploy time', () => {
    // GIVEN
    const { stack } = newStack();

    // WHEN
    const layer = powertoolsLayer(stack);
    functionWith(stack, 'Fn', [layer]);

    // THEN
    expect(POWERTOOLS_LAYER_PARAMETER).toBe(`/aws/service/powertools/typescript/generic/all/${POWERTOOLS_VERSION}`);
    const parameters = Template.fromStack(stack).findParameters('*', { Default: POWERTOOLS_LAYER_PARAMETER });
    expect(Object.values(parameters)).toEqual([expect.objectContaining({ Type: 'AWS::SSM::Parameter::Value<String>' })]);
    expect(stack.resolve(layer.layerVersionArn)).toEqual({ Ref: Object.keys(parameters)[0] });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { Layers: [{ Ref: Object.keys(parameters)[0] }] });
  });

  test('is one layer and one parameter per stack, whoever asks', () => {
    const { stack } = newStack();
    const first = powertoolsLayer(stack);
    const second = powertoolsLayer(new Construct(stack, 'Nested'));

    functionWith(stack, 'A', [first]);
    functionWith(stack, 'B', [second]);

    expect(second).toBe(first);
    expect(Object.keys(Template.fromStack(stack).findParameters('*', { Default: POWERTOOLS_LAYER_PARAMETER }))).toHaveLength(1);
    const layers = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')).map((fn) => fn.Properties.Layers);
    expect(layers).toEqual([layers[0], layers[0]]);
  });

  test('is the version the shipped handlers are built and tested with, pinned exactly', () => {
    const manifest = json(join(ROOT, 'package.json')) as { devDependencies: Record<string, string> };
    for (const pkg of ['logger', 'metrics', 'tracer']) {
      expect(manifest.devDependencies[`@aws-lambda-powertools/${pkg}`]).toBe(POWERTOOLS_VERSION);
      expect(json(join(ROOT, 'node_modules', '@aws-lambda-powertools', pkg, 'package.json')).version).toBe(POWERTOOLS_VERSION);
    }
  });
});
