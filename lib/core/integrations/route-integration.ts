import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { DynamoDbIntegration } from './dynamodb-integration';
import type { DynamoDbIntegrationOptions } from './dynamodb-integration';
import { HttpTransformIntegration } from './http-transform-integration';
import type { HttpTransformIntegrationOptions } from './http-transform-integration';
import { StepFunctionsIntegration } from './step-functions-integration';
import type { StepFunctionsIntegrationOptions } from './step-functions-integration';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { ApplicationListener, NetworkListener } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { IService } from 'aws-cdk-lib/aws-servicediscovery';
import { PrivateIntegration } from './private-integration';
import type { CloudMapIntegrationOptions, PrivateAlbIntegrationOptions, PrivateNlbIntegrationOptions } from './private-integration';
import { EntryIntegration } from './entry-integration';
import type { EntryIntegrationOptions } from './entry-integration';
import { FunctionIntegration } from './function-integration';
import { HttpProxyIntegration } from './http-proxy-integration';
import type { HttpProxyIntegrationOptions } from './http-proxy-integration';
import type { Integration } from './integration';
import { MockIntegration } from './mock-integration';
import type { MockIntegrationOptions } from './mock-integration';
import { EventBridgeIntegration } from './event-bridge-integration';
import type { EventBridgeIntegrationOptions } from './event-bridge-integration';
import { KinesisIntegration } from './kinesis-integration';
import type { KinesisIntegrationOptions } from './kinesis-integration';
import { SqsIntegration } from './sqs-integration';
import type { SqsIntegrationOptions } from './sqs-integration';

/**
 * The backend of a route: one factory per kind. Reuse one object (or one function, or one entry
 * path) across routes and they share a single function, integration and invoke permission.
 */
export class RouteIntegration {
  /** Lambda proxy integration with an existing function (REST and HTTP). */
  public static fromFunction(fn: IFunction): Integration {
    return new FunctionIntegration(fn);
  }

  /**
   * Lambda proxy integration with a function bundled from a TypeScript or JavaScript entry file with
   * esbuild (Node.js 24, arm64, minified ESM with source maps, X-Ray active tracing) (REST and HTTP).
   */
  public static entry(entry: string, options: EntryIntegrationOptions = {}): Integration {
    return new EntryIntegration(entry, options);
  }

  /** A fixed answer from API Gateway, e.g. a health check. REST APIs only. */
  public static mock(options: MockIntegrationOptions = {}): Integration {
    return new MockIntegration(options);
  }

  /**
   * HTTP proxy to an external `https://` URL (path parameters may appear as `{name}`). Plain
   * `http://` is refused: requests, tokens included, would cross the internet unencrypted.
   */
  public static httpProxy(url: string, options: HttpProxyIntegrationOptions = {}): Integration {
    return new HttpProxyIntegration(url, options);
  }

  /**
   * Sends the request body as a message to an SQS queue and answers 200 with `{"messageId": "..."}`
   * (REST and HTTP). FIFO queues need `options.messageGroupId`.
   */
  public static sqs(queue: IQueue, options: SqsIntegrationOptions = {}): SqsIntegration {
    return new SqsIntegration(queue, options);
  }

  /**
   * Puts the request body as the detail of one event on an EventBridge bus and answers 200 with
   * `{"eventId": "..."}` (REST and HTTP).
   */
  public static eventBridge(bus: IEventBus, options: EventBridgeIntegrationOptions): EventBridgeIntegration {
    return new EventBridgeIntegration(bus, options);
  }

  /**
   * Writes the request body as one record to a Kinesis data stream and answers 200 with
   * `{"sequenceNumber": "...", "shardId": "..."}` (REST and HTTP).
   */
  public static kinesis(stream: IStream, options: KinesisIntegrationOptions = {}): KinesisIntegration {
    return new KinesisIntegration(stream, options);
  }

  /**
   * Starts an execution of a Step Functions state machine with the request body as its input and
   * answers 200 with `{"executionArn": "...", "startDate": ...}` (REST and HTTP). With
   * `options.sync`, runs an Express state machine and answers with its output (REST only).
   */
  public static stepFunctions(stateMachine: IStateMachine, options: StepFunctionsIntegrationOptions = {}): StepFunctionsIntegration {
    return new StepFunctionsIntegration(stateMachine, options);
  }

  /**
   * Serves a route from a DynamoDB table without a function: `GetItem`, `PutItem` or `Query`, with
   * the key taken from the path, the query string or the body (REST only).
   */
  public static dynamoDb(table: ITable, options: DynamoDbIntegrationOptions): DynamoDbIntegration {
    return new DynamoDbIntegration(table, options);
  }

  /**
   * HTTP integration with an external `https://` URL that transforms what passes through: request
   * headers and query strings (REST and HTTP), body mapping templates (REST only), path overwrite
   * and header removal (HTTP only). Backend errors stay errors.
   */
  public static httpTransform(url: string, options: HttpTransformIntegrationOptions = {}): HttpTransformIntegration {
    return new HttpTransformIntegration(url, options);
  }

  /**
   * HTTP proxy to an internal Application Load Balancer through a VPC link v2 (REST and HTTP). The
   * backend receives the route's path, without the stage.
   */
  public static privateAlb(listener: ApplicationListener, options: PrivateAlbIntegrationOptions): PrivateIntegration {
    return PrivateIntegration.applicationLoadBalancer(listener, options);
  }

  /**
   * HTTP proxy to an internal Network Load Balancer through a VPC link: v1 on REST APIs, v2 on
   * HTTP APIs. The backend receives the route's path, without the stage.
   */
  public static privateNlb(listener: NetworkListener, options: PrivateNlbIntegrationOptions): PrivateIntegration {
    return PrivateIntegration.networkLoadBalancer(listener, options);
  }

  /**
   * HTTP proxy to the instances of a Cloud Map service through a VPC link v2, with no load balancer
   * (HTTP APIs only). The backend receives the route's path, without the stage.
   */
  public static cloudMap(service: IService, options: CloudMapIntegrationOptions): PrivateIntegration {
    return PrivateIntegration.cloudMap(service, options);
  }

  private constructor() {}
}
