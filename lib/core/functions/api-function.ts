import { Duration, Token } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Function as LambdaFunction, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import type { Code, ILayerVersion } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { acknowledgeFunctionFindings } from '../compliance/acknowledgments';
import { ApiPatternsError, describeValue } from '../validation/errors';
import type { StageProfile } from '../stage/stage-profile';
import { createStageLogGroup } from '../stage/stage-log-group';
import { validateIntegerRange } from '../validation/validation';

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

/** How a user's entry file is bundled, on top of the library's defaults (minified ESM for Node.js 24, source maps). */
export interface EntryBundlingOptions {
  /**
   * The lock file that pins the entry's dependencies (`package-lock.json`, `yarn.lock`,
   * `pnpm-lock.yaml`, `bun.lockb`); also decides the project root esbuild resolves from.
   * @default - the lock file found by walking up from the working directory
   */
  readonly depsLockFilePath?: string;
  /**
   * The folder esbuild bundles from; the entry must be inside it.
   * @default - the folder of `depsLockFilePath`
   */
  readonly projectRoot?: string;
  /**
   * esbuild options, merged over the library's (format ESM, minify, source maps, target node24,
   * a `require` shim for CommonJS dependencies); what you set wins.
   * @default - the library's options only
   */
  readonly bundling?: BundlingOptions;
}

/** Where a function's code comes from: a handler this library ships, or a user's entry file. */
export type ApiFunctionSource =
  | { readonly code: Code; readonly handler?: string }
  | ({ readonly entry: string; readonly handler?: string } & EntryBundlingOptions);

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
  validateApiFunctionOptions(scope, props.optionsProp ?? 'functionOptions', options);
  const logGroup = createStageLogGroup(scope, `${id}LogGroup`, profile);
  const role = new Role(scope, `${id}ServiceRole`, {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: props.description ? iamRoleDescription(`Execution role of: ${props.description}`) : undefined,
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
    description: props.description ? lambdaDescription(props.description) : undefined,
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
      depsLockFilePath: props.source.depsLockFilePath,
      projectRoot: props.source.projectRoot,
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        target: 'node24',
        mainFields: ['module', 'main'],
        banner: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
        ...props.source.bundling,
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

/** Checks the options every construct's functions take, naming `prop` (e.g. `functionOptions`) in errors. */
export function validateApiFunctionOptions(scope: Construct, prop: string, options: ApiFunctionOptions): void {
  if (options.reservedConcurrentExecutions !== undefined) {
    validateIntegerRange(scope, 'ReservedConcurrencyInvalid', `${prop}.reservedConcurrentExecutions`, options.reservedConcurrentExecutions, 0, 1_000_000);
  }
  if (options.memorySize !== undefined) {
    validateIntegerRange(scope, 'MemorySizeInvalid', `${prop}.memorySize`, options.memorySize, 128, 10_240);
  }
  if (options.timeout !== undefined && !options.timeout.isUnresolved()) {
    const seconds = options.timeout.toSeconds({ integral: false });
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 900) {
      throw new ApiPatternsError('FunctionTimeoutInvalid', `${prop}.timeout must be whole seconds from 1 to 900. Got: ${seconds} s`, scope);
    }
  }
}

/** Typographic characters IAM refuses, and the ASCII that reads the same. */
const IAM_LOOKALIKES: Record<string, string> = { '\u2013': '-', '\u2014': '-', '\u2018': "'", '\u2019': "'", '\u201C': '"', '\u201D': '"', '\u2026': '...' };

/** The longest IAM role description and Lambda function description. */
const IAM_DESCRIPTION_MAX = 1000;
const LAMBDA_DESCRIPTION_MAX = 256;

/** Shortens `text` to `max` characters with an ellipsis; leaves text holding unresolved tokens alone. */
function truncate(text: string, max: number): string {
  if (Token.isUnresolved(text) || text.length <= max) return text;
  return `${text.slice(0, max - 3)}...`;
}

/**
 * A description IAM accepts for a role: tab, line breaks and printable Latin-1 only (other
 * characters become their ASCII look-alike or `?`), at most 1,000 characters. IAM rejects anything
 * else at deploy time.
 */
export function iamRoleDescription(text: string): string {
  const clean = text.replace(/[^\t\n\r\u0020-\u007E\u00A1-\u00FF]/gu, (c) => IAM_LOOKALIKES[c] ?? '?');
  return truncate(clean, IAM_DESCRIPTION_MAX);
}

/** A description Lambda accepts: at most 256 characters. */
export function lambdaDescription(text: string): string {
  return truncate(text, LAMBDA_DESCRIPTION_MAX);
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

/** Props of {@link ApiFunction.fromEntry}. */
export interface ApiEntryFunctionProps extends ApiFunctionOptions, EntryBundlingOptions {
  /** The stage profile: log retention and key, removal policy, tracing. */
  readonly profile: StageProfile;
  /** Path of the TypeScript or JavaScript entry file. */
  readonly entry: string;
  /**
   * Exported handler name.
   * @default 'handler'
   */
  readonly handler?: string;
  /**
   * Description of the function (and, sanitized for IAM, of its role).
   * @default - none
   */
  readonly description?: string;
  /**
   * Environment variables.
   * @default - none
   */
  readonly environment?: Record<string, string>;
}

/**
 * Functions built the way this library builds its own: what you hand to `addRoute()`, `routes` or
 * `RouteIntegration.lambda()` when you need the function object yourself.
 *
 * A plain `NodejsFunction` fails dozens of the compliance checks (`applyCompliance`): the managed
 * `AWSLambdaBasicExecutionRole` with account-wide log rights, an unencrypted log group that never
 * expires, an old runtime default, no tracing. A function from here passes them as it is: Node.js 24
 * on arm64, a role of its own that may write only to its own log group, a log group with the
 * profile's retention, key and removal policy, X-Ray when the profile traces, and every finding
 * that does not fit an API backend acknowledged on the function with its reason (docs/compliance.md).
 */
export class ApiFunction {
  /**
   * A function bundled with esbuild from a TypeScript or JavaScript entry file (minified ESM with
   * source maps; never Docker), with the library's production defaults.
   */
  public static fromEntry(scope: Construct, id: string, props: ApiEntryFunctionProps): LambdaFunction {
    const { profile, entry, handler, description, environment, depsLockFilePath, projectRoot, bundling, ...options } = props;
    return createApiFunction(scope, id, {
      profile,
      source: { entry, handler, depsLockFilePath, projectRoot, bundling },
      description,
      environment,
      options,
      optionsProp: 'ApiFunction.fromEntry props',
    });
  }

  private constructor() {}
}
