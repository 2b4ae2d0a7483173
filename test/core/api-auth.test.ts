import { Duration } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import { UserPool } from 'aws-cdk-lib/aws-cognito';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { ApiAuth, ApiAuthType } from '../../lib/core';
import { newStack } from './support';

let stack: Stack;
beforeEach(() => {
  ({ stack } = newStack());
});

const handler = () => LambdaFunction.fromFunctionArn(stack, 'Authorizer', 'arn:aws:lambda:eu-west-1:111111111111:function:authorizer');

describe('ApiAuth', () => {
  test('cognito keeps the pool, clients and scopes', () => {
    // GIVEN
    const pool = new UserPool(stack, 'Pool');
    const client = pool.addClient('Web');

    // WHEN
    const auth = ApiAuth.cognito(pool, { scopes: ['items/read'], userPoolClients: [client] });

    // THEN
    expect(auth.type).toBe(ApiAuthType.COGNITO);
    expect(auth.options.userPool).toBe(pool);
    expect(auth.options.userPoolClients).toEqual([client]);
    expect(auth.scopes).toEqual(['items/read']);
  });

  test('cognito without options checks no scope', () => {
    const auth = ApiAuth.cognito(new UserPool(stack, 'Pool'));
    expect(auth.scopes).toEqual([]);
    expect(auth.options.userPoolClients).toBeUndefined();
  });

  test('jwt keeps issuer, audience, scopes, JWKS URI and cache TTL', () => {
    const auth = ApiAuth.jwt({
      issuer: 'https://id.example.com/',
      audience: ['items-api'],
      scopes: ['read'],
      jwksUri: 'https://id.example.com/keys',
      resultsCacheTtl: Duration.minutes(1),
    });
    expect(auth.type).toBe(ApiAuthType.JWT);
    expect(auth.options).toMatchObject({ issuer: 'https://id.example.com/', audience: ['items-api'], jwksUri: 'https://id.example.com/keys' });
    expect(auth.options.resultsCacheTtl?.toSeconds()).toBe(60);
    expect(auth.scopes).toEqual(['read']);
  });

  test('jwt without scopes checks none', () => {
    expect(ApiAuth.jwt({ issuer: 'https://id.example.com/', audience: ['a'] }).scopes).toEqual([]);
  });

  test('iam has no options and no scopes', () => {
    const auth = ApiAuth.iam();
    expect(auth.type).toBe(ApiAuthType.IAM);
    expect(auth.options).toEqual({});
    expect(auth.scopes).toEqual([]);
  });

  test('lambdaToken keeps the handler, header and TTL', () => {
    const fn = handler();
    const auth = ApiAuth.lambdaToken(fn, { header: 'X-Token', resultsCacheTtl: Duration.seconds(0) });
    expect(auth.type).toBe(ApiAuthType.LAMBDA_TOKEN);
    expect(auth.options.handler).toBe(fn);
    expect(auth.options.header).toBe('X-Token');
    expect(auth.options.resultsCacheTtl?.toSeconds()).toBe(0);
    expect(auth.scopes).toEqual([]);
  });

  test('lambdaRequest keeps the handler and identity sources', () => {
    const fn = handler();
    const auth = ApiAuth.lambdaRequest(fn, { identitySources: ['method.request.header.Authorization'] });
    expect(auth.type).toBe(ApiAuthType.LAMBDA_REQUEST);
    expect(auth.options.handler).toBe(fn);
    expect(auth.options.identitySources).toEqual(['method.request.header.Authorization']);
  });

  test('each factory call is a distinct object, so reusing one object is how routes share an authorizer', () => {
    const a = ApiAuth.iam();
    expect(ApiAuth.iam()).not.toBe(a);
    expect(a).toBe(a);
  });
});
