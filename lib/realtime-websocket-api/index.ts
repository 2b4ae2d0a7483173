export * from './connections-table';
export * from './realtime-websocket-api';
