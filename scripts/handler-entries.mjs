// The Lambda handlers this library ships, bundled by `npm run build` into dist/assets/<name>/index.mjs.
// Constructs reference them by name through lib/core/handler-asset.ts; keep the two in step.
export const HANDLER_ENTRIES = {
  'jwt-token-authorizer': 'lambda/authorizers/jwt-token-authorizer.ts',
  'tenant-key-authorizer': 'lambda/authorizers/tenant-key-authorizer.ts',
  'websocket-authorizer': 'lambda/websocket/authorizer.ts',
  'websocket-connect': 'lambda/websocket/connect.ts',
  'websocket-disconnect': 'lambda/websocket/disconnect.ts',
  'websocket-default': 'lambda/websocket/default.ts',
  'websocket-subscribe': 'lambda/websocket/subscribe.ts',
  'websocket-unsubscribe': 'lambda/websocket/unsubscribe.ts',
  'websocket-publish': 'lambda/websocket/publish.ts',
};
