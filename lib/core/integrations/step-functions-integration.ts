import { Token } from 'aws-cdk-lib';
import { HttpIntegrationSubtype } from 'aws-cdk-lib/aws-apigatewayv2';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { CfnStateMachine, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { ApiPatternsError, describeValue } from '../validation/errors';
import {
  awsServiceRestConfig,
  AwsServiceHttpIntegration,
  ServiceErrorFormat,
  errorAnswerLines,
  forwardedBodySchema,
  serviceResponses,
  vtlJsonString,
} from './aws-service-integration';
import { Integration, restServiceUri, unsupported } from './integration';
import type { HttpIntegrationConfig, RestIntegrationConfig, RouteBinding } from './integration';
import { serviceIntegrationRole } from './service-role';

/** Options of {@link RouteIntegration.stepFunctions}. */
export interface StepFunctionsIntegrationOptions {
  /**
   * Wait for the execution and answer with its output (`StartSyncExecution`), instead of starting it
   * and answering at once with its ARN (`StartExecution`). Needs an Express state machine, and a
   * REST API: an HTTP API cannot tell a failed synchronous execution from a successful one and
   * would answer 200 for both.
   *
   * A succeeded execution answers 200 with its output; a failed one 500 (or 400 for the error names
   * in `clientErrors`); a timed-out one 504. API Gateway waits no longer than the route's
   * integration timeout (29 s by default), however long the execution may run.
   * @default false
   */
  readonly sync?: boolean;
  /**
   * Declares that the state machine is an Express one, for an imported state machine whose type
   * the library cannot read. Needed with `sync: true` on imported state machines; a `StateMachine`
   * created in the app has its own `stateMachineType`, which this must not contradict.
   * @default - the `stateMachineType` of a `StateMachine` created in the app; unknown for imported ones
   */
  readonly expressStateMachine?: boolean;
  /**
   * With `sync: true`: the `error` names of failed executions (as set by a `Fail` state or a task
   * error, e.g. `'ValidationError'`) that are the caller's fault. They answer 400 with
   * `{"error": ..., "cause": ...}`; every other failure answers 500 without details.
   * Letters, digits and `_ . : -` only.
   * @default - none: every failed execution answers 500
   */
  readonly clientErrors?: string[];
  /**
   * The customer managed KMS key the state machine is encrypted with, so API Gateway's role may use
   * it (`kms:Decrypt` and `kms:GenerateDataKey`, limited to this state machine's encryption context).
   * @default - the key of a `StateMachine` created in the app with a `CustomerManagedEncryptionConfiguration`; none for imported state machines
   */
  readonly encryptionKey?: IKey;
}

/** Error names a synchronous route may declare as the caller's fault: they are written into a mapping template. */
const ERROR_NAME = /^[A-Za-z0-9_.:-]{1,256}$/;

/**
 * Starts an execution of a Step Functions state machine with the request body as its input (REST
 * and HTTP): answers 200 `{"executionArn": ..., "startDate": ...}`. With `sync: true`, runs an
 * Express state machine synchronously and answers with its output (REST only).
 *
 * API Gateway calls Step Functions with a role of its own, allowed `states:StartExecution` (or
 * `states:StartSyncExecution`) on this state machine only, plus the state machine's customer
 * managed key when it has one. On REST APIs, Step Functions' errors are mapped by their `__type`
 * (see `serviceResponses`): 400 for an input it refuses, 429 when throttled, 500 when it refused
 * the API's role, key or state machine, 502 for its own failures.
 */
export class StepFunctionsIntegration extends Integration {
  public readonly kindName = 'RouteIntegration.stepFunctions';

  /**
   * @param stateMachine the state machine whose executions the route starts
   * @param options synchronous runs, the state machine's type and key
   */
  constructor(
    public readonly stateMachine: IStateMachine,
    public readonly options: StepFunctionsIntegrationOptions = {},
  ) {
    super();
    const prop = 'RouteIntegration.stepFunctions(stateMachine, options)';
    const clientErrors = options.clientErrors ?? [];
    if (clientErrors.length > 0 && !options.sync) {
      throw new ApiPatternsError(
        'StepFunctionsOptionInvalid',
        `${prop}: options.clientErrors applies to synchronous executions only; set options.sync to true or remove it. Got: ${describeValue(clientErrors)}`,
        stateMachine,
      );
    }
    for (const name of clientErrors) {
      if (!Token.isUnresolved(name) && !ERROR_NAME.test(name)) {
        throw new ApiPatternsError(
          'StepFunctionsOptionInvalid',
          `${prop}: options.clientErrors entries must be 1 to 256 letters, digits or '_ . : -'. Got: ${describeValue(name)}`,
          stateMachine,
        );
      }
    }
    const type = l2Type(stateMachine);
    if (type !== undefined && options.expressStateMachine !== undefined && options.expressStateMachine !== (type === StateMachineType.EXPRESS)) {
      throw new ApiPatternsError(
        'StepFunctionsOptionInvalid',
        `${prop}: options.expressStateMachine contradicts stateMachine.stateMachineType ${type}; leave it unset for a StateMachine created in the app. Got: ${options.expressStateMachine}`,
        stateMachine,
      );
    }
  }

  /** @internal */
  public _shareKey(): string {
    return `stepfunctions ${this.stateMachine.node.addr} ${this.options.sync ? 'sync' : 'async'}`;
  }

  /** @internal */
  public _bindRest(binding: RouteBinding): RestIntegrationConfig {
    this.checkSync(binding);
    const sync = this.options.sync ?? false;
    const action = sync ? 'StartSyncExecution' : 'StartExecution';
    const responses = serviceResponses(binding, {
      errorFormat: ServiceErrorFormat.JSON_PROTOCOL,
      conflictCodes: ['ExecutionAlreadyExists'],
      successTemplate: sync ? syncOutputTemplate(this.options.clientErrors ?? []) : START_EXECUTION_ANSWER,
      successStatuses: sync
        ? {
            '200': 'The output of the succeeded execution',
            ...(this.options.clientErrors?.length ? { '400': "A failed execution whose error is the caller's fault, or a request the service refused" } : {}),
            '500': 'A failed execution, or a misconfigured integration',
            '504': 'A timed-out execution',
          }
        : { '200': 'The execution started: its ARN and start date' },
    });
    const bodySchema = forwardedBodySchema(binding);
    return awsServiceRestConfig({
      uri: restServiceUri(binding.scope, 'states', action),
      role: this.role(binding),
      requestTemplate: `{"stateMachineArn": "${this.stateMachine.stateMachineArn}", "input": "${vtlJsonString("$input.json('$')")}"}`,
      responses,
      bodySchema,
    });
  }

  /** @internal */
  public _bindHttp(binding: RouteBinding): HttpIntegrationConfig {
    if (this.options.sync) {
      throw unsupported(
        binding,
        `${this.kindName} with sync: true`,
        'an HTTP API cannot map a failed synchronous execution to an error status and would answer 200 with the failure',
      );
    }
    return {
      integration: new AwsServiceHttpIntegration(binding.integrationId, {
        subtype: HttpIntegrationSubtype.STEPFUNCTIONS_START_EXECUTION,
        role: this.role(binding),
        parameters: { StateMachineArn: this.stateMachine.stateMachineArn, Input: '$request.body' },
      }),
    };
  }

  /** Fails unless a synchronous route targets an Express state machine. */
  private checkSync(binding: RouteBinding): void {
    if (!this.options.sync) return;
    const type = l2Type(this.stateMachine);
    if (type === StateMachineType.STANDARD) {
      throw new ApiPatternsError(
        'StepFunctionsSyncNeedsExpress',
        `${binding.prop}.integration: ${this.kindName} with sync: true needs an Express state machine (StartSyncExecution is not offered for Standard ones); stateMachine.stateMachineType must be EXPRESS. Got: ${type}`,
        binding.scope,
      );
    }
    if (type === undefined && this.options.expressStateMachine !== true) {
      throw new ApiPatternsError(
        'StepFunctionsSyncTypeUnknown',
        `${binding.prop}.integration: ${this.kindName} with sync: true needs an Express state machine, and the type of an imported state machine is unknown; set options.expressStateMachine to true if it is one. Got: ${describeValue(this.options.expressStateMachine)}`,
        binding.scope,
      );
    }
  }

  /** One role per API and state machine: the one start action on this state machine, and its key. */
  private role(binding: RouteBinding): IRole {
    const sync = this.options.sync ?? false;
    const action = sync ? 'states:StartSyncExecution' : 'states:StartExecution';
    return serviceIntegrationRole(binding.scope, this.stateMachine, action, (role) => {
      if (sync) this.stateMachine.grantStartSyncExecution(role);
      else this.stateMachine.grantStartExecution(role);
      const keyArn = this.options.encryptionKey?.keyArn ?? customerKeyArn(this.stateMachine);
      if (keyArn) {
        // Step Functions encrypts the execution's input (and decrypts its output for a synchronous
        // caller) with the state machine's key, under this encryption context.
        Grant.addToPrincipal({
          grantee: role,
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resourceArns: [keyArn],
          conditions: { StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': this.stateMachine.stateMachineArn } },
        });
      }
    });
  }
}

/** The answer to StartExecution: the execution's ARN and start date (seconds since the epoch). */
const START_EXECUTION_ANSWER = `{"executionArn": $input.json('$.executionArn'), "startDate": $input.json('$.startDate')}`;

/**
 * The answer to StartSyncExecution, which answers 200 whatever became of the execution: the output
 * when it succeeded, otherwise an error status with no detail (or, for the caller's own errors,
 * the error name and cause).
 */
function syncOutputTemplate(clientErrors: string[]): string {
  const lines = [
    "#set($execStatus = \"$!input.path('$.status')\")",
    "#set($execError = \"$!input.path('$.error')\")",
    "#if($execStatus == 'SUCCEEDED')",
    "$!input.path('$.output')",
  ];
  if (clientErrors.length > 0) {
    lines.push(
      `#elseif($execStatus == 'FAILED' && (${clientErrors.map((e) => `$execError == '${e}'`).join(' || ')}))`,
      '#set($context.responseOverride.status = 400)',
      "#set($execCause = \"$!input.path('$.cause')\")",
      `{"error": "${vtlJsonString('$execError')}", "cause": "${vtlJsonString('$execCause')}"}`,
    );
  }
  lines.push(
    "#elseif($execStatus == 'TIMED_OUT')",
    ...errorAnswerLines('504', 'The execution timed out'),
    '#else',
    ...errorAnswerLines('500', 'The execution failed'),
    '#end',
  );
  return lines.join('\n');
}

/** The type of a state machine created in the app; undefined for imported ones. */
function l2Type(stateMachine: IStateMachine): StateMachineType | undefined {
  return stateMachine instanceof StateMachine ? stateMachine.stateMachineType : undefined;
}

/** The customer managed key ARN of a state machine created in the app, read from its L1 (the L2 keeps it private). */
function customerKeyArn(stateMachine: IStateMachine): string | undefined {
  const cfn = stateMachine.node.defaultChild;
  if (!(cfn instanceof CfnStateMachine)) return undefined;
  const config = cfn.encryptionConfiguration as CfnStateMachine.EncryptionConfigurationProperty | undefined;
  if (!config || Token.isUnresolved(config) || config.type !== 'CUSTOMER_MANAGED_KMS_KEY') return undefined;
  return typeof config.kmsKeyId === 'string' ? config.kmsKeyId : undefined;
}
