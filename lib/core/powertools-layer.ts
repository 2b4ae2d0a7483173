import { Stack } from 'aws-cdk-lib';
import { LayerVersion } from 'aws-cdk-lib/aws-lambda';
import type { ILayerVersion } from 'aws-cdk-lib/aws-lambda';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';

/**
 * The version of Powertools for AWS Lambda (TypeScript) that the shipped handlers are built and
 * tested with. Their bundles import `@aws-lambda-powertools/*` from a layer instead of carrying it
 * (logger, metrics and the tracer with the X-Ray SDK are about 150 KB minified), so the layer must
 * hold this exact version; `package.json` pins the same one.
 */
export const POWERTOOLS_VERSION = '2.36.0';

/**
 * The public SSM parameter in which AWS publishes the ARN of the Powertools layer of
 * `POWERTOOLS_VERSION` in each Region (the layer is pure JavaScript: one ARN for arm64 and x86_64).
 */
export const POWERTOOLS_LAYER_PARAMETER = `/aws/service/powertools/typescript/generic/all/${POWERTOOLS_VERSION}`;

/**
 * The public Powertools for AWS Lambda (TypeScript) layer of `POWERTOOLS_VERSION`, once per stack.
 *
 * Its ARN is resolved by CloudFormation at deploy time from `POWERTOOLS_LAYER_PARAMETER` (a
 * template parameter of type `AWS::SSM::Parameter::Value<String>`), so synthesis stays offline and
 * the same template deploys to every Region where AWS publishes the layer. Where it does not (or
 * where policy forbids layers from other accounts), publish a layer with the same packages at the
 * same version and pass it to the construct instead.
 */
export function powertoolsLayer(scope: Construct): ILayerVersion {
  const stack = Stack.of(scope);
  const id = `PowertoolsLayer${POWERTOOLS_VERSION.replace(/\./g, '_')}`;
  const existing = stack.node.tryFindChild(id) as ILayerVersion | undefined;
  return existing ?? LayerVersion.fromLayerVersionArn(stack, id, StringParameter.valueForStringParameter(stack, POWERTOOLS_LAYER_PARAMETER));
}
