import { Duration } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Function as LambdaFunction, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import type { Code, ILayerVersion } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { acknowledgeFunctionFindings } from './acknowledgments';
import { ApiPatternsError, describeValue } from './errors';
import type { StageProfile } from './stage-profile';
import { createStageLogGroup } from './stage-log-group';
import { validateIntegerRange } from './validation';

/** Options for the Lambda functions a construct creates, shared by every construct. */
export interface ApiFunctionOptions {
  /**
   * VPC to run the functions in. Give one with private subnets (and a NAT gateway or VPC
   * endpoints for what the code calls) when your compliance regime requires it.
   * @default - functions run outside any VPC, in the Lambda service network
   */
  readonly vpc?: IVpc;
  /**
   * Subnets of `vpc` to use.
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: SubnetSelection;
  /**
   * Security groups of the functions, with `vpc`.
   * @default - a new security group per function, allowing all outbound traffic
   */
  readonly securityGroups?: ISecurityGroup[];
  /**
   * Reserved concurrency for each function: caps it, and guarantees it that much of the account's
   * concurrency. Leave unset in new accounts, whose concurrency quota may be too small to reserve.
   * @default - unreserved
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Memory size, MB.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Function timeout. API Gateway stops waiting after the route's integration timeout anyway.
   * @default Duration.seconds(29)
   */
  readonly timeout?: Duration;
  /**
   * KMS key to encrypt the functions' environment variables.
   * @default - Lambda's AWS-managed key
   */
  readonly environmentEncryption?: IKey;
}

/** Where a function's code comes from: a handler this library ships, or a user's entry file. */
export type ApiFunctionSource =
  | { readonly code: Code; readonly handler?: string }
  | { readonly entry: string; readonly handler?: string };

/** Everything {@link createApiFunction} needs. */
export interface CreateApiFunctionProps {
  readonly profile: StageProfile;
  readonly source: ApiFunctionSource;
  readonly description?: string;
  readonly environment?: Record<string, string>;
  /** Layers the code needs at run time (the shipped WebSocket handlers need Powertools). */
  readonly layers?: ILayerVersion[];
  readonly options?: ApiFunctionOptions;
  /** The prop path of `options` in the calling construct, for error messages. */
  readonly optionsProp?: string;
}

/** True when esbuild can be loaded from the app, so NodejsFunction never falls back to Docker. */
function esbuildAvailable(): boolean {
  try {
    require.resolve('esbuild', { paths: [process.cwd(), __dirname] });
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates a Lambda function with this library's production defaults: Node.js 24 on arm64, JSON
 * logs to a log group with the profile's retention, X-Ray active tracing when the profile traces,
 * explicit memory and timeout, a role of its own with no managed policies (it may write only to its
 * own log group), and the options above. A user's entry file is bundled with esbuild as minified
 * ESM with source maps; the library's own handlers come pre-bundled.
 */
export function createApiFunction(scope: Construct, id: string, props: CreateApiFunctionProps): LambdaFunction {
  const { profile, options = {} } = props;
  const optionsProp = props.optionsProp ?? 'functionOptions';
  if (options.reservedConcurrentExecutions !== undefined) {
    validateIntegerRange(scope, 'ReservedConcurrencyInvalid', `${optionsProp}.reservedConcurrentExecutions`, options.reservedConcurrentExecutions, 0, 1_000_000);
  }
  if (options.memorySize !== undefined) {
    validateIntegerRange(scope, 'MemorySizeInvalid', `${optionsProp}.memorySize`, options.memorySize, 128, 10_240);
  }
  const logGroup = createStageLogGroup(scope, `${id}LogGroup`, profile);
  const role = new Role(scope, `${id}ServiceRole`, {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: props.description ? `Execution role of: ${props.description}` : undefined,
  });
  // Its own log group only: no AWSLambdaBasicExecutionRole with its account-wide logs:* rights.
  logGroup.grantWrite(role);
  const common = {
    role,
    runtime: Runtime.NODEJS_24_X,
    architecture: Architecture.ARM_64,
    memorySize: options.memorySize ?? 256,
    timeout: options.timeout ?? Duration.seconds(29),
    tracing: profile.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
    loggingFormat: LoggingFormat.JSON,
    logGroup,
    description: props.description,
    environment: props.environment,
    layers: props.layers,
    environmentEncryption: options.environmentEncryption,
    reservedConcurrentExecutions: options.reservedConcurrentExecutions,
    vpc: options.vpc,
    vpcSubnets: options.vpcSubnets,
    securityGroups: options.securityGroups,
  };
  let fn: LambdaFunction;
  if ('entry' in props.source) {
    if (!esbuildAvailable()) {
      throw new ApiPatternsError(
        'EsbuildMissing',
        `entry ${describeValue(props.source.entry)} must be bundled with esbuild, which is not installed: add esbuild to your app's devDependencies (this library never falls back to Docker)`,
        scope,
      );
    }
    fn = new NodejsFunction(scope, id, {
      ...common,
      entry: props.source.entry,
      handler: props.source.handler ?? 'handler',
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        target: 'node24',
        mainFields: ['module', 'main'],
        banner: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
      },
    });
  } else {
    fn = new LambdaFunction(scope, id, { ...common, code: props.source.code, handler: props.source.handler ?? 'index.handler' });
  }
  // Bundles ship with source maps: stack traces in the logs point at the TypeScript source.
  fn.addEnvironment('NODE_OPTIONS', '--enable-source-maps');
  if (options.vpc) {
    // Lambda manages the function's network interfaces through the execution role.
    fn.role?.addToPrincipalPolicy(vpcNetworkInterfaceStatement());
  }
  acknowledgeFunctionFindings(fn, role, {
    inVpc: options.vpc !== undefined,
    reserved: options.reservedConcurrentExecutions !== undefined,
    wildcardActions: profile.tracing || options.vpc !== undefined,
  });
  return fn;
}

/** The permissions AWSLambdaVPCAccessExecutionRole grants, without the managed policy. */
function vpcNetworkInterfaceStatement(): PolicyStatement {
  return new PolicyStatement({
    actions: [
      'ec2:CreateNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses',
      'ec2:UnassignPrivateIpAddresses',
    ],
    resources: ['*'],
  });
}
