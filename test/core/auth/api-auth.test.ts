import { Duration, Lazy } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import { UserPool } from 'aws-cdk-lib/aws-cognito';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { ApiAuth, ApiAuthType, jwtAuthorizerEnvironment } from '../../../lib';
import { expectApiError, newStack } from '../../support/core-stacks';

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

describe('ApiAuth.jwt checks its props at once, on every protocol', () => {
  test.each(['http://id.example.com/', 'id.example.com', '', 'https://', 'ftp://id.example.com'])('BUG: issuer %j is rejected', (issuer) => {
    expectApiError(() => ApiAuth.jwt({ issuer, audience: ['api'] }), 'JwtIssuerInvalid', /ApiAuth\.jwt\(\{ issuer \}\) must be an https:\/\/ URL/, new RegExp(`Got: ${JSON.stringify(issuer).replace(/[/.]/g, '\\$&')}`));
  });

  test('a jwksUri that is not https is rejected', () => {
    expectApiError(() => ApiAuth.jwt({ issuer: 'https://id.example.com/', audience: ['api'], jwksUri: 'http://keys.example.com/jwks' }), 'JwtJwksUriInvalid', /ApiAuth\.jwt\(\{ jwksUri \}\)/, /Got: "http:\/\/keys\.example\.com\/jwks"/);
  });

  test.each([[[]], [['']], [['api', '  ']]])('BUG: audience %j is rejected', (audience) => {
    expectApiError(() => ApiAuth.jwt({ issuer: 'https://id.example.com/', audience }), 'JwtAudienceInvalid', /ApiAuth\.jwt\(\{ audience \}\) must list at least one non-empty audience/, /Got: \[/);
  });

  test('an unresolved issuer is left to CloudFormation', () => {
    expect(() => ApiAuth.jwt({ issuer: Lazy.string({ produce: () => 'https://id.example.com/' }), audience: ['api'] })).not.toThrow();
  });

  test.each([Duration.seconds(59), Duration.hours(25), Duration.millis(90_500)])('jwksMaxAge %s is rejected', (jwksMaxAge) => {
    expectApiError(() => ApiAuth.jwt({ issuer: 'https://id.example.com/', audience: ['api'], jwksMaxAge }), 'JwksMaxAgeInvalid', /jwksMaxAge \}\) must be whole seconds from 60 to 86400/);
  });

  test('jwksMaxAge reaches the bundled authorizer as JWT_JWKS_MAX_AGE_SECONDS; unset, the handler default applies', () => {
    const withAge = ApiAuth.jwt({ issuer: 'https://id.example.com/', audience: ['api'], jwksMaxAge: Duration.minutes(2) });
    expect(jwtAuthorizerEnvironment(withAge)).toMatchObject({ JWT_JWKS_MAX_AGE_SECONDS: '120' });
    expect(jwtAuthorizerEnvironment(ApiAuth.jwt({ issuer: 'https://id.example.com/', audience: ['api'] }))).not.toHaveProperty('JWT_JWKS_MAX_AGE_SECONDS');
  });
});
