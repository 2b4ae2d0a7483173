import { HttpIntegrationSubtype } from 'aws-cdk-lib/aws-apigatewayv2';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import {
  awsServiceRestConfig,
  AwsServiceHttpIntegration,
  ServiceErrorFormat,
  checkRouteHasValue,
  forwardedBodySchema,
  httpMappingValue,
  methodRequestParameters,
  parseRequestValue,
  requestValueInJson,
  serviceResponses,
  shareKeyPart,
} from './aws-service-integration';
import type { RequestValue } from './aws-service-integration';
import { Integration, restServiceUri } from './integration';
import type { HttpIntegrationConfig, RestIntegrationConfig, RouteBinding } from './integration';
import { serviceIntegrationRole } from './service-role';

/** Kinesis's limit on a partition key. */
const PARTITION_KEY_MAX_LENGTH = 256;
/** The partition key when none is given: a new one per request, so records spread over the shards. */
const DEFAULT_PARTITION_KEY = '$context.requestId';

/** Options of {@link RouteIntegration.kinesis}. */
export interface KinesisIntegrationOptions {
  /**
   * The partition key of each record, as an HTTP API mapping expression (`$request.header.X-Device`,
   * `$request.querystring.device`, `$request.path.id`, `$request.body.deviceId`, `$context.requestId`,
   * `$stageVariables.key`) or a constant (1 to 256 characters). REST APIs read the same source (a
   * header or query string it names becomes a required request parameter). Records with the same
   * key go to the same shard, in order.
   *
   * @default '$context.requestId' - records spread evenly over the shards, with no order between requests
   */
  readonly partitionKey?: string;
}

/**
 * Writes the request body as one record to a Kinesis data stream (`PutRecord`) and answers 200
 * with `{"sequenceNumber": "...", "shardId": "..."}`; REST and HTTP.
 *
 * API Gateway assumes one role per API and stream, allowed `kinesis:PutRecord` on the stream (and
 * `kms:GenerateDataKey` on its key when the stream is encrypted with a customer managed key).
 *
 * REST APIs accept JSON bodies only (other content types get 415) and, unless the route sets its
 * own `requestSchema`, only a JSON object (400 otherwise). Kinesis's errors are mapped by their
 * `__type` (see `serviceResponses`): 429 when the stream is over its throughput, 400 when Kinesis
 * refused the record itself, 500 when it refused the API's role, key or stream, 502 for its own
 * failures. HTTP APIs pass Kinesis's own answer through, and send any body.
 */
export class KinesisIntegration extends Integration {
  /** A short name of the kind for messages. */
  public readonly kindName = 'RouteIntegration.kinesis';

  private readonly partitionKey: RequestValue;

  /**
   * @param stream the data stream that receives the records
   * @param options the partition key of the records
   */
  constructor(
    public readonly stream: IStream,
    public readonly options: KinesisIntegrationOptions = {},
  ) {
    super();
    this.partitionKey = parseRequestValue(
      stream,
      'RouteIntegration.kinesis(stream, options).partitionKey',
      options.partitionKey ?? DEFAULT_PARTITION_KEY,
      PARTITION_KEY_MAX_LENGTH,
    );
  }

  /** @internal */
  public _shareKey(binding: RouteBinding): string {
    return `kinesis ${this.stream.node.addr} ${shareKeyPart(binding, this.partitionKey)}`;
  }

  /** @internal */
  public _bindRest(binding: RouteBinding): RestIntegrationConfig {
    checkRouteHasValue(binding, 'partitionKey', this.partitionKey);
    const partitionKey = requestValueInJson(this.partitionKey, 'partitionKey');
    const record = `${partitionKey.setup}{"StreamARN":"${this.stream.streamArn}","PartitionKey":"${partitionKey.text}","Data":"$util.base64Encode($input.body)"}`;
    const responses = serviceResponses(binding, {
      errorFormat: ServiceErrorFormat.JSON_PROTOCOL,
      successTemplate: `{"sequenceNumber":"$input.path('$.SequenceNumber')","shardId":"$input.path('$.ShardId')"}`,
      successStatuses: { '200': 'The record was written to the stream' },
    });
    const bodySchema = forwardedBodySchema(binding);
    const requestParameters = methodRequestParameters([this.partitionKey]);
    return awsServiceRestConfig({
      uri: restServiceUri(binding.scope, 'kinesis', 'PutRecord'),
      role: this.role(binding),
      headers: { 'X-Amz-Target': 'Kinesis_20131202.PutRecord', 'Content-Type': 'application/x-amz-json-1.1' },
      requestTemplate: record,
      responses,
      methodParameters: requestParameters,
      bodySchema,
    });
  }

  /** @internal */
  public _bindHttp(binding: RouteBinding): HttpIntegrationConfig {
    checkRouteHasValue(binding, 'partitionKey', this.partitionKey);
    return {
      integration: new AwsServiceHttpIntegration(binding.integrationId, {
        subtype: HttpIntegrationSubtype.KINESIS_PUT_RECORD,
        role: this.role(binding),
        parameters: {
          StreamName: this.stream.streamName,
          Data: '$request.body',
          PartitionKey: httpMappingValue(this.partitionKey),
        },
      }),
    };
  }

  /** The API's role for this stream: `kinesis:PutRecord` on it, and `kms:GenerateDataKey` on its customer managed key. */
  private role(binding: RouteBinding): IRole {
    return serviceIntegrationRole(binding.scope, this.stream, 'Kinesis-PutRecord', (role) => {
      role.addToPrincipalPolicy(new PolicyStatement({ actions: ['kinesis:PutRecord'], resources: [this.stream.streamArn] }));
      this.stream.encryptionKey?.grant(role, 'kms:GenerateDataKey');
    });
  }
}
