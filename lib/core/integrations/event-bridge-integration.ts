import { Token } from 'aws-cdk-lib';
import { HttpIntegrationSubtype } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { ApiPatternsError, describeValue } from '../validation/errors';
import {
  awsServiceRestConfig,
  AwsServiceHttpIntegration,
  ServiceErrorFormat,
  THROTTLED_ANSWER_LINES,
  errorAnswerLines,
  forwardedBodySchema,
  serviceResponses,
  vtlJsonString,
  vtlJsonStringContent,
} from './aws-service-integration';
import { Integration, restServiceUri } from './integration';
import type { HttpIntegrationConfig, RestIntegrationConfig, RouteBinding } from './integration';
import { serviceIntegrationRole } from './service-role';

/** EventBridge's limit on a detail type. */
const DETAIL_TYPE_MAX_LENGTH = 128;
/** EventBridge's limit on a source. */
const SOURCE_MAX_LENGTH = 256;

/** Options of {@link RouteIntegration.eventBridge}. */
export interface EventBridgeIntegrationOptions {
  /**
   * The `source` of every event, e.g. `com.example.orders`. Rules match on it. Must not start with
   * `aws.` (reserved for AWS services).
   */
  readonly source: string;

  /** The `detail-type` of every event, e.g. `OrderPlaced` (at most 128 characters). Rules match on it. */
  readonly detailType: string;
}

/**
 * Puts the request body as the `detail` of one event on an EventBridge bus (`PutEvents`) and answers
 * 200 with `{"eventId": "..."}`; REST and HTTP.
 *
 * API Gateway assumes one role per API and bus, allowed `events:PutEvents` on the bus. A bus
 * encrypted with a customer managed key needs nothing more from the caller: its key policy lets
 * EventBridge use the key.
 *
 * REST APIs accept a JSON object only (415 for other content types, 400 for other bodies) unless
 * the route sets its own `requestSchema`. PutEvents answers 200 even when it refused the event:
 * the REST answer is then 502 (429 when throttled), never a 200. EventBridge's errors are mapped by
 * their `__type` (see `serviceResponses`): 429 when throttled, 400 when it refused the event itself,
 * 500 when it refused the API's role or bus, 502 for its own failures.
 * HTTP APIs pass EventBridge's own answer through, refused events (`FailedEntryCount` 1) included,
 * and send any body.
 */
export class EventBridgeIntegration extends Integration {
  /** A short name of the kind for messages. */
  public readonly kindName = 'RouteIntegration.eventBridge';

  /**
   * @param bus the event bus that receives the events
   * @param options the source and detail type of the events
   */
  constructor(
    public readonly bus: IEventBus,
    public readonly options: EventBridgeIntegrationOptions,
  ) {
    super();
    const prop = 'RouteIntegration.eventBridge(bus, options)';
    const { source, detailType } = options;
    if (!Token.isUnresolved(source)) {
      const why =
        source.length === 0 || source.length > SOURCE_MAX_LENGTH
          ? `must be 1 to ${SOURCE_MAX_LENGTH} characters long`
          : source.startsWith('aws.')
            ? "must not start with 'aws.': that prefix is reserved for events of AWS services, and PutEvents refuses it"
            : source.includes('$')
              ? "must not contain '$'"
              : undefined;
      if (why) throw new ApiPatternsError('EventBridgeSourceInvalid', `${prop}.source ${why}. Got: ${describeValue(source)}`, bus);
    }
    if (!Token.isUnresolved(detailType)) {
      const why =
        detailType.length === 0 || detailType.length > DETAIL_TYPE_MAX_LENGTH
          ? `must be 1 to ${DETAIL_TYPE_MAX_LENGTH} characters long`
          : detailType.includes('$')
            ? "must not contain '$'"
            : undefined;
      if (why) throw new ApiPatternsError('EventBridgeDetailTypeInvalid', `${prop}.detailType ${why}. Got: ${describeValue(detailType)}`, bus);
    }
  }

  /** @internal */
  public _shareKey(): string {
    return `eventbridge ${this.bus.node.addr} ${JSON.stringify([this.options.source, this.options.detailType])}`;
  }

  /** @internal */
  public _bindRest(binding: RouteBinding): RestIntegrationConfig {
    const entry =
      `{"EventBusName":"${this.bus.eventBusArn}","Source":"${vtlJsonStringContent(this.options.source)}",` +
      `"DetailType":"${vtlJsonStringContent(this.options.detailType)}","Detail":"${vtlJsonString('$input.body')}"}`;
    // PutEvents answers 200 with FailedEntryCount 1 when it refused the event: that is not a success.
    const success = [
      `#set($failed = "$!input.path('$.FailedEntryCount')")`,
      '#if($failed != "" && $failed != "0")',
      `#set($code = "$!input.path('$.Entries[0].ErrorCode')")`,
      "#if($code.contains('Throttl'))",
      ...THROTTLED_ANSWER_LINES,
      '#else',
      ...errorAnswerLines('502', 'The event bus did not accept the event'),
      '#end',
      '#else',
      `{"eventId":"$input.path('$.Entries[0].EventId')"}`,
      '#end',
    ].join('\n');
    const responses = serviceResponses(binding, {
      errorFormat: ServiceErrorFormat.JSON_PROTOCOL,
      successTemplate: success,
      successStatuses: { '200': 'The event was put on the bus' },
    });
    const bodySchema = forwardedBodySchema(binding);
    return awsServiceRestConfig({
      uri: restServiceUri(binding.scope, 'events', 'PutEvents'),
      role: this.role(binding),
      headers: { 'X-Amz-Target': 'AWSEvents.PutEvents', 'Content-Type': 'application/x-amz-json-1.1' },
      requestTemplate: `{"Entries":[${entry}]}`,
      responses,
      bodySchema,
    });
  }

  /** @internal */
  public _bindHttp(binding: RouteBinding): HttpIntegrationConfig {
    return {
      integration: new AwsServiceHttpIntegration(binding.integrationId, {
        subtype: HttpIntegrationSubtype.EVENTBRIDGE_PUT_EVENTS,
        role: this.role(binding),
        parameters: {
          EventBusName: this.bus.eventBusArn,
          Source: this.options.source,
          DetailType: this.options.detailType,
          Detail: '$request.body',
        },
      }),
    };
  }

  /** The API's role for this bus: `events:PutEvents` on it. */
  private role(binding: RouteBinding): IRole {
    return serviceIntegrationRole(binding.scope, this.bus, 'EventBridge-PutEvents', (role) => {
      this.bus.grantPutEventsTo(role);
    });
  }
}
