/**
 * AWS SDK clients, created on first use and then reused by every later invocation of the
 * execution environment.
 *
 * The SDK packages are loaded with dynamic `import()` when a client is first asked for, not at
 * module load: loading `@aws-sdk/client-dynamodb` and `@aws-sdk/lib-dynamodb` takes ~150 ms, which
 * would otherwise be spent in every handler's init (even `$default`, which never calls AWS). The
 * bundles keep `@aws-sdk/*` external, so these imports resolve to the SDK of the Lambda runtime.
 *
 * - DynamoDB: region and credentials come from the Lambda environment. The endpoint can be
 *   overridden with the SDK's standard `AWS_ENDPOINT_URL_DYNAMODB` (or `AWS_ENDPOINT_URL`)
 *   variable, which SDK v3 resolves natively; the tests point it at a local dynalite server.
 *   The client is traced: each DynamoDB call is an X-Ray subsegment.
 * - API Gateway management API: its endpoint is `CALLBACK_URL`, read on first use, so only the
 *   handlers that post to connections need that variable.
 */
import type * as DocumentClientModule from '@aws-sdk/lib-dynamodb';
import { ConnectionsApi } from './connections-api';
import { callbackUrl, fanoutConcurrency } from './env';
import { once } from '../../shared/once';
import { handlerTracer } from './observability';

/** `@aws-sdk/lib-dynamodb`: the document client and its commands. */
export type DynamoDbDocumentModule = typeof DocumentClientModule;


/** The `@aws-sdk/lib-dynamodb` module (loaded once). */
export const dynamoDbDocumentModule: () => Promise<DynamoDbDocumentModule> = once(() => import('@aws-sdk/lib-dynamodb'));

/**
 * The shared document client (native JS values in and out; `undefined` attributes are dropped),
 * its DynamoDB client traced by the Powertools Tracer when tracing is on.
 */
export const documentClient: () => Promise<DocumentClientModule.DynamoDBDocumentClient> = once(async () => {
  const [{ DynamoDBClient }, { DynamoDBDocumentClient }, tracer] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    dynamoDbDocumentModule(),
    handlerTracer(),
  ]);
  const dynamo = new DynamoDBClient({});
  return DynamoDBDocumentClient.from(tracer ? tracer.captureAWSv3Client(dynamo) : dynamo, {
    marshallOptions: { removeUndefinedValues: true },
  });
});

/**
 * The fan-out's client for `CALLBACK_URL` (see `connections-api.ts`): one signed keep-alive request
 * per post instead of the SDK's middleware stack. Its region and credentials come from an
 * `ApiGatewayManagementApiClient`'s resolved configuration, so they follow the SDK's standard
 * provider chain (in Lambda: the execution role's credentials from the environment).
 * - It keeps as many sockets as the fan-out runs workers, so every worker keeps its connection warm.
 * - It is deliberately not traced call by call (the Tracer's HTTP capture is off, see
 *   `observability.ts`): one X-Ray subsegment per subscriber would bury the trace and cost CPU per
 *   post; the route's subsegment covers the fan-out.
 */
export const connectionsApi: () => Promise<ConnectionsApi> = once(async () => {
  const endpoint = callbackUrl();
  const { ApiGatewayManagementApiClient } = await import('@aws-sdk/client-apigatewaymanagementapi');
  const { config } = new ApiGatewayManagementApiClient({ endpoint });
  return new ConnectionsApi({
    endpoint,
    region: await config.region(),
    credentials: () => config.credentials(),
    maxSockets: fanoutConcurrency(),
  });
});
