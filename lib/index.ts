export * from './core';
export * from './serverless-api';
