export * from './route-integration';
export * from './route-options';
export * from './serverless-api';
