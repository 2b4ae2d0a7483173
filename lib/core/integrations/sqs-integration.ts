import { Stack } from 'aws-cdk-lib';
import { HttpIntegrationSubtype } from 'aws-cdk-lib/aws-apigatewayv2';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { ApiPatternsError, describeValue } from '../validation/errors';
import {
  awsServiceRestConfig,
  AwsServiceHttpIntegration,
  ServiceErrorFormat,
  checkRouteHasValue,
  forwardedBodySchema,
  httpMappingValue,
  methodRequestParameters,
  parseRequestValue,
  requestValueUrlEncoded,
  serviceResponses,
  shareKeyPart,
} from './aws-service-integration';
import type { RequestValue } from './aws-service-integration';
import { Integration } from './integration';
import type { HttpIntegrationConfig, RestIntegrationConfig, RouteBinding } from './integration';
import { serviceIntegrationRole } from './service-role';

/** SQS's limit on a message group id and a deduplication id. */
const SQS_ID_MAX_LENGTH = 128;

/** Options of {@link RouteIntegration.sqs}. */
export interface SqsIntegrationOptions {
  /**
   * The message group of each message, as an HTTP API mapping expression (`$request.header.X-Group`,
   * `$request.querystring.group`, `$request.path.id`, `$request.body.customerId`, `$context.requestId`,
   * `$stageVariables.group`) or a constant (1 to 128 characters). REST APIs read the same source
   * (a header or query string it names becomes a required request parameter).
   *
   * Required for FIFO queues: messages of one group are delivered in order. On a standard queue it
   * sets the fair-queue tenant.
   *
   * @default - no message group (standard queues only)
   */
  readonly messageGroupId?: string;

  /**
   * The deduplication id of each message on a FIFO queue, in the same forms as `messageGroupId`:
   * SQS drops a message whose id it has seen in the last five minutes.
   *
   * @default - the queue's content-based deduplication (the queue must have it turned on)
   */
  readonly messageDeduplicationId?: string;
}

/**
 * Sends the request body as a message to an SQS queue (`SendMessage`) and answers 200 with
 * `{"messageId": "..."}`; REST and HTTP.
 *
 * API Gateway assumes one role per API and queue, allowed `sqs:SendMessage` on the queue (and
 * `kms:GenerateDataKey` and `kms:Decrypt` on its key when the queue is encrypted with one).
 *
 * REST APIs accept JSON bodies only (other content types get 415) and, unless the route sets its
 * own `requestSchema`, only a JSON object (400 otherwise). SQS's errors are mapped by their code (see
 * `serviceResponses`): 429 when throttled, 400 when SQS refused the message itself, 500 when it
 * refused the API's role, key or queue, 502 for its own failures. HTTP APIs pass SQS's own answer
 * through, and send any body.
 */
export class SqsIntegration extends Integration {
  /** A short name of the kind for messages. */
  public readonly kindName = 'RouteIntegration.sqs';

  private readonly groupId?: RequestValue;
  private readonly deduplicationId?: RequestValue;

  /**
   * @param queue the queue that receives the messages
   * @param options message group and deduplication of FIFO queues
   */
  constructor(
    public readonly queue: IQueue,
    public readonly options: SqsIntegrationOptions = {},
  ) {
    super();
    const prop = 'RouteIntegration.sqs(queue, options)';
    if (options.messageGroupId !== undefined) this.groupId = parseRequestValue(queue, `${prop}.messageGroupId`, options.messageGroupId, SQS_ID_MAX_LENGTH);
    if (options.messageDeduplicationId !== undefined) {
      this.deduplicationId = parseRequestValue(queue, `${prop}.messageDeduplicationId`, options.messageDeduplicationId, SQS_ID_MAX_LENGTH);
    }
    if (queue.fifo && !this.groupId) {
      throw new ApiPatternsError(
        'SqsMessageGroupIdRequired',
        `${prop}.messageGroupId is required: ${queue.node.path} is a FIFO queue, and SQS refuses a message without a group there ` +
          `(e.g. '$request.header.X-Message-Group' or '$context.requestId'). Got: undefined`,
        queue,
      );
    }
    if (!queue.fifo && this.deduplicationId) {
      throw new ApiPatternsError(
        'SqsDeduplicationIdUnexpected',
        `${prop}.messageDeduplicationId applies to FIFO queues only, and ${queue.node.path} is a standard queue: SQS refuses the message. Got: ${describeValue(options.messageDeduplicationId)}`,
        queue,
      );
    }
    if (queue.fifo && !this.deduplicationId && contentBasedDeduplication(queue) === false) {
      throw new ApiPatternsError(
        'SqsDeduplicationIdRequired',
        `${prop}.messageDeduplicationId is required: the FIFO queue ${queue.node.path} has no content-based deduplication, ` +
          'and SQS refuses a message without a deduplication id there (set one, or turn contentBasedDeduplication on). Got: undefined',
        queue,
      );
    }
  }

  /** @internal */
  public _shareKey(binding: RouteBinding): string {
    return `sqs ${this.queue.node.addr} ${shareKeyPart(binding, this.groupId)} ${shareKeyPart(binding, this.deduplicationId)}`;
  }

  /** @internal */
  public _bindRest(binding: RouteBinding): RestIntegrationConfig {
    this.checkRoute(binding);
    const stack = Stack.of(binding.scope);
    const groupId = this.groupId && requestValueUrlEncoded(this.groupId, 'groupId');
    const deduplicationId = this.deduplicationId && requestValueUrlEncoded(this.deduplicationId, 'deduplicationId');
    // One line of form data; the setup lines before it print nothing.
    const form =
      (groupId?.setup ?? '') +
      (deduplicationId?.setup ?? '') +
      [
        'Action=SendMessage',
        'MessageBody=$util.urlEncode($input.body)',
        ...(groupId ? [`MessageGroupId=${groupId.text}`] : []),
        ...(deduplicationId ? [`MessageDeduplicationId=${deduplicationId.text}`] : []),
      ].join('&');
    const responses = serviceResponses(binding, {
      errorFormat: ServiceErrorFormat.QUERY_PROTOCOL,
      successTemplate: `{"messageId":"$input.path('$.SendMessageResponse.SendMessageResult.MessageId')"}`,
      successStatuses: { '200': 'The message was queued' },
    });
    const bodySchema = forwardedBodySchema(binding);
    const requestParameters = methodRequestParameters([this.groupId, this.deduplicationId]);
    return awsServiceRestConfig({
      // SQS's query protocol: the queue is the path, the form the body.
      uri: `arn:${stack.partition}:apigateway:${stack.region}:sqs:path/${this.queue.env.account}/${this.queue.queueName}`,
      role: this.role(binding),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      requestTemplate: form,
      responses,
      methodParameters: requestParameters,
      bodySchema,
    });
  }

  /** @internal */
  public _bindHttp(binding: RouteBinding): HttpIntegrationConfig {
    this.checkRoute(binding);
    const parameters: Record<string, string> = { QueueUrl: this.queue.queueUrl, MessageBody: '$request.body' };
    if (this.groupId) parameters.MessageGroupId = httpMappingValue(this.groupId);
    if (this.deduplicationId) parameters.MessageDeduplicationId = httpMappingValue(this.deduplicationId);
    return {
      integration: new AwsServiceHttpIntegration(binding.integrationId, {
        subtype: HttpIntegrationSubtype.SQS_SEND_MESSAGE,
        role: this.role(binding),
        parameters,
      }),
    };
  }

  private checkRoute(binding: RouteBinding): void {
    if (this.groupId) checkRouteHasValue(binding, 'messageGroupId', this.groupId);
    if (this.deduplicationId) checkRouteHasValue(binding, 'messageDeduplicationId', this.deduplicationId);
  }

  /** The API's role for this queue: `sqs:SendMessage`, and the queue key's data-key actions. */
  private role(binding: RouteBinding): IRole {
    return serviceIntegrationRole(binding.scope, this.queue, 'SQS-SendMessage', (role) => {
      role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }));
      this.queue.encryptionMasterKey?.grant(role, 'kms:GenerateDataKey', 'kms:Decrypt');
    });
  }
}

/** Whether a queue defined in this app deduplicates by content; undefined when that is not known at synth. */
function contentBasedDeduplication(queue: IQueue): boolean | undefined {
  const cfn = queue.node.defaultChild;
  if (!(cfn instanceof CfnQueue)) return undefined;
  const value = cfn.contentBasedDeduplication;
  if (value === undefined) return false;
  return typeof value === 'boolean' ? value : undefined;
}
