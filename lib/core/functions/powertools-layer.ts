import { Stack } from 'aws-cdk-lib';
import { Architecture, LayerVersion, Runtime } from 'aws-cdk-lib/aws-lambda';
import type { ILayerVersion } from 'aws-cdk-lib/aws-lambda';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { layerCode } from './handler-asset';

/**
 * The version of Powertools for AWS Lambda (TypeScript) that the shipped handlers are built and
 * tested with, and that `PowertoolsLayer.bundled` holds. `package.json` pins the same one.
 */
export const POWERTOOLS_VERSION = '2.36.0';

/**
 * The public SSM parameter in which AWS publishes the ARN of its own Powertools layer of
 * `POWERTOOLS_VERSION` in each Region (see `PowertoolsLayer.awsManaged`).
 */
export const POWERTOOLS_LAYER_PARAMETER = `/aws/service/powertools/typescript/generic/all/${POWERTOOLS_VERSION}`;

/**
 * The Powertools layer this library ships, once per stack: `@aws-lambda-powertools/logger`,
 * `metrics` and `tracer` at `POWERTOOLS_VERSION`, bundled by `npm run build` into
 * `dist/assets/powertools-layer` (a few minified ES modules, about 160 KB in all; pure JavaScript,
 * so one layer serves arm64 and x86_64).
 *
 * The shipped handlers that log, measure and trace with Powertools import it from here instead of
 * each carrying a copy, so a stack holds one copy however many functions use it. It is built from
 * the very packages the handlers are tested with, lives in the stack's own account and deploys in
 * every partition. Functions that import Powertools only from this layer must use these three
 * packages; other utilities are not in it.
 */
function bundledLayer(scope: Construct): ILayerVersion {
  return layerOfStack(scope, 'PowertoolsLayer', (stack, id) =>
    new LayerVersion(stack, id, {
      code: layerCode('powertools-layer'),
      description: `Powertools for AWS Lambda (TypeScript) ${POWERTOOLS_VERSION}: logger, metrics, tracer (bundled by cdk-api-gateway-patterns)`,
      compatibleRuntimes: [Runtime.NODEJS_24_X],
      compatibleArchitectures: [Architecture.ARM_64, Architecture.X86_64],
      license: 'MIT-0 (Powertools), Apache-2.0 (AWS X-Ray SDK)',
    }),
  );
}

/**
 * AWS's own public Powertools layer of `POWERTOOLS_VERSION`, once per stack, for
 * `RealtimeWebSocketApiProps.powertoolsLayer` when you prefer it to the layer this library ships.
 *
 * Its ARN is resolved by CloudFormation at deploy time from `POWERTOOLS_LAYER_PARAMETER` (a
 * template parameter of type `AWS::SSM::Parameter::Value<String>`), so synthesis stays offline.
 * The deploy fails in a Region or partition where AWS does not publish that parameter.
 */
function awsManagedLayer(scope: Construct): ILayerVersion {
  return layerOfStack(scope, `PublicPowertoolsLayer${POWERTOOLS_VERSION.replace(/\./g, '_')}`, (stack, id) =>
    LayerVersion.fromLayerVersionArn(stack, id, StringParameter.valueForStringParameter(stack, POWERTOOLS_LAYER_PARAMETER)),
  );
}

/** The Powertools layers the shipped handlers can run with. */
export class PowertoolsLayer {
  /** The Powertools version the shipped handlers are built and tested with. */
  public static readonly VERSION = POWERTOOLS_VERSION;

  /** The public SSM parameter in which AWS publishes the ARN of its own layer of `VERSION`. */
  public static readonly AWS_PARAMETER = POWERTOOLS_LAYER_PARAMETER;

  /**
   * The layer this library ships, once per stack: Powertools logger, metrics and tracer at
   * `VERSION`, bundled into `dist/assets/powertools-layer` (about 160 KB; one layer for arm64 and x86_64).
   */
  public static bundled(scope: Construct): ILayerVersion {
    return bundledLayer(scope);
  }

  /**
   * AWS's own public Powertools layer of `VERSION`, once per stack, resolved by CloudFormation at
   * deploy time from `AWS_PARAMETER`; the deploy fails where AWS does not publish that parameter.
   */
  public static awsManaged(scope: Construct): ILayerVersion {
    return awsManagedLayer(scope);
  }

  private constructor() {}
}

/** The layer `id` of `scope`'s stack: made by `create` the first time, the same one after. */
function layerOfStack(scope: Construct, id: string, create: (stack: Stack, id: string) => ILayerVersion): ILayerVersion {
  const stack = Stack.of(scope);
  return (stack.node.tryFindChild(id) as ILayerVersion | undefined) ?? create(stack, id);
}
