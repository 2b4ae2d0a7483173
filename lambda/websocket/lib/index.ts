/**
 * Building blocks of the RealtimeWebSocketApi handlers, exported for users' own routes.
 *
 * A custom route handler (`{ "action": "whoami" }`) written with them:
 * ```ts
 * import { connectionRepository, defineRoute, ok, RequestError } from './lib';
 *
 * export const handler = defineRoute(async (event) => {
 *   const connection = await connectionRepository().getConnection(event.requestContext.connectionId);
 *   if (!connection) throw new RequestError('BAD_REQUEST', 'Not connected');
 *   return ok({ type: 'whoami', userId: connection.userId });
 * });
 * ```
 * It gets the same logging, metrics, tracing and error answers as the built-in routes. Grant the
 * function the table actions of the repository methods it calls (see `connection-repository.ts`).
 */
export * from './clients';
export * from './connection-repository';
export * from './connections-api';
export * from './env';
export * from './events';
export * from './fanout';
export * from './observability';
export * from './responses';
export * from './route';
export * from './validation';
export * from './worker-pool';
