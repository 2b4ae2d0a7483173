/**
 * AWS SDK clients, created once per execution environment and reused across invocations.
 *
 * - DynamoDB: region and credentials come from the Lambda environment. The endpoint can be
 *   overridden with the SDK's standard `AWS_ENDPOINT_URL_DYNAMODB` (or `AWS_ENDPOINT_URL`)
 *   variable, which SDK v3 resolves natively; the tests point it at a local dynalite server.
 * - API Gateway management API: its endpoint is `CALLBACK_URL`, read on first use, so only the
 *   handlers that post to connections need that variable.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { callbackUrl, fanoutConcurrency } from './env';
import { tracer } from './observability';

/** Document client (native JS values in and out; `undefined` attributes are dropped). */
export const documentClient: DynamoDBDocumentClient = DynamoDBDocumentClient.from(
  tracer.captureAWSv3Client(new DynamoDBClient({})),
  { marshallOptions: { removeUndefinedValues: true } },
);

let managementApi: ApiGatewayManagementApiClient | undefined;

/**
 * The management API client for `CALLBACK_URL`. Its keep-alive agents allow as many sockets as
 * the fan-out runs workers (the SDK's default of 50 would silently cap `FANOUT_CONCURRENCY`).
 * It is deliberately not traced call by call: a fan-out makes one post per subscriber, and as many
 * X-Ray subsegments would bury the trace; the route's subsegment covers the fan-out.
 */
export function managementApiClient(): ApiGatewayManagementApiClient {
  if (!managementApi) {
    const maxSockets = fanoutConcurrency();
    managementApi = new ApiGatewayManagementApiClient({
      endpoint: callbackUrl(),
      requestHandler: {
        httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
        httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
      },
    });
  }
  return managementApi;
}
