export * from './core';
export * from './serverless-api';
export * from './realtime-websocket-api';
