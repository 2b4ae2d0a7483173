import { Duration, Lazy } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import { UserPool } from 'aws-cdk-lib/aws-cognito';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import {
  ApiAuth,
  ApiKind,
  Authorization,
  CognitoAuthorization,
  IamAuthorization,
  JwtAuthorization,
  LambdaRequestAuthorization,
  LambdaTokenAuthorization,
  NoAuthorization,
  RealtimeWebSocketApi,
  RouteIntegration,
  ServerlessApi,
  StageProfile,
} from '../../../lib';
import type { RestAuthConfig } from '../../../lib/core/auth/authorization';
import { validateIdentitySources } from '../../../lib/core/auth/identity-sources';
import { expectApiError, newStack } from '../../support/core-stacks';
import { inlineFunction } from '../../support/stacks';

let stack: Stack;
beforeEach(() => {
  ({ stack } = newStack());
});

const handler = () => LambdaFunction.fromFunctionArn(stack, 'Authorizer', 'arn:aws:lambda:eu-west-1:111111111111:function:authorizer');
const JWT = { issuer: 'https://id.example.com/', audience: ['items-api'] };

describe('ApiAuth factories return one class per kind, keeping typed fields', () => {
  test('cognito keeps the pool, clients and scopes', () => {
    // GIVEN
    const pool = new UserPool(stack, 'Pool');
    const client = pool.addClient('Web');

    // WHEN
    const auth = ApiAuth.cognito(pool, { scopes: ['items/read'], userPoolClients: [client] });

    // THEN
    expect(auth).toBeInstanceOf(CognitoAuthorization);
    expect(auth.kindName).toBe('ApiAuth.cognito');
    expect(auth.userPool).toBe(pool);
    expect(auth.options.userPoolClients).toEqual([client]);
    expect(auth.scopes).toEqual(['items/read']);
    expect(auth.isPublic).toBe(false);
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
    expect(auth).toBeInstanceOf(JwtAuthorization);
    expect(auth.kindName).toBe('ApiAuth.jwt');
    expect(auth.options).toMatchObject({ issuer: 'https://id.example.com/', audience: ['items-api'], jwksUri: 'https://id.example.com/keys' });
    expect(auth.options.resultsCacheTtl?.toSeconds()).toBe(60);
    expect(auth.scopes).toEqual(['read']);
    expect(auth.isPublic).toBe(false);
  });

  test('jwt without scopes checks none', () => {
    expect(ApiAuth.jwt({ issuer: 'https://id.example.com/', audience: ['a'] }).scopes).toEqual([]);
  });

  test('iam has no options and no scopes', () => {
    const auth = ApiAuth.iam();
    expect(auth).toBeInstanceOf(IamAuthorization);
    expect(auth.kindName).toBe('ApiAuth.iam');
    expect(auth.description).toBe('IAM (SigV4)');
    expect(auth).not.toHaveProperty('options');
    expect(auth.scopes).toEqual([]);
    expect(auth.isPublic).toBe(false);
  });

  test('lambdaToken keeps the handler, header and TTL', () => {
    const fn = handler();
    const auth = ApiAuth.lambdaToken(fn, { header: 'X-Token', resultsCacheTtl: Duration.seconds(0) });
    expect(auth).toBeInstanceOf(LambdaTokenAuthorization);
    expect(auth.kindName).toBe('ApiAuth.lambdaToken');
    expect(auth.handler).toBe(fn);
    expect(auth.header).toBe('X-Token');
    expect(auth.options.resultsCacheTtl?.toSeconds()).toBe(0);
    expect(auth.scopes).toEqual([]);
  });

  test('lambdaToken reads the Authorization header unless told otherwise', () => {
    expect(ApiAuth.lambdaToken(handler()).header).toBe('Authorization');
  });

  test('lambdaRequest keeps the handler and identity sources', () => {
    const fn = handler();
    const auth = ApiAuth.lambdaRequest(fn, { identitySources: ['method.request.header.Authorization'] });
    expect(auth).toBeInstanceOf(LambdaRequestAuthorization);
    expect(auth.kindName).toBe('ApiAuth.lambdaRequest');
    expect(auth.handler).toBe(fn);
    expect(auth.options.identitySources).toEqual(['method.request.header.Authorization']);
  });

  test('none is the one public kind, with no scopes', () => {
    const auth = ApiAuth.none();
    expect(auth).toBeInstanceOf(NoAuthorization);
    expect(auth.kindName).toBe('ApiAuth.none');
    expect(auth.isPublic).toBe(true);
    expect(auth.scopes).toEqual([]);
  });

  test('each factory call is a distinct object, so reusing one object is how routes share an authorizer', () => {
    const a = ApiAuth.iam();
    expect(ApiAuth.iam()).not.toBe(a);
    expect(a).toBe(a);
  });
});

describe('ApiAuth.jwt checks its props at once, on every kind of API', () => {
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
});

describe('JwtAuthorization.authorizerEnvironment()', () => {
  test('carries issuer, audiences, JWKS URI, required scopes and JWKS max age to the bundled authorizer', () => {
    // GIVEN
    const auth = ApiAuth.jwt({
      issuer: 'https://id.example.com/',
      audience: ['items-api', 'admin-api'],
      scopes: ['items/read', 'items/write'],
      jwksUri: 'https://keys.example.com/jwks.json',
      jwksMaxAge: Duration.minutes(2),
    });

    // WHEN
    const env = auth.authorizerEnvironment();

    // THEN
    expect(env).toEqual({
      JWT_ISSUER: 'https://id.example.com/',
      JWT_AUDIENCE: 'items-api,admin-api',
      JWT_JWKS_URI: 'https://keys.example.com/jwks.json',
      JWT_REQUIRED_SCOPES: 'items/read items/write',
      JWT_JWKS_MAX_AGE_SECONDS: '120',
    });
  });

  test('without the optional settings, only issuer and audience are set: the handler defaults apply', () => {
    expect(ApiAuth.jwt({ issuer: 'https://id.example.com/', audience: ['api'] }).authorizerEnvironment()).toEqual({
      JWT_ISSUER: 'https://id.example.com/',
      JWT_AUDIENCE: 'api',
    });
  });
});

describe('_restIdentityCacheKeys(): what a cached REST route adds to its cache key per kind', () => {
  test.each<[string, () => Authorization, string[], boolean]>([
    ['cognito', () => ApiAuth.cognito(new UserPool(stack, 'Pool')), ['method.request.header.Authorization'], true],
    ['jwt', () => ApiAuth.jwt(JWT), ['method.request.header.Authorization'], true],
    ['lambdaToken (default header)', () => ApiAuth.lambdaToken(handler()), ['method.request.header.Authorization'], true],
    ['lambdaToken (own header)', () => ApiAuth.lambdaToken(handler(), { header: 'X-Token' }), ['method.request.header.X-Token'], true],
    [
      'lambdaRequest (request values only)',
      () => ApiAuth.lambdaRequest(handler(), { identitySources: ['method.request.header.X-Tenant', 'method.request.querystring.key'] }),
      ['method.request.header.X-Tenant', 'method.request.querystring.key'],
      true,
    ],
    [
      'lambdaRequest (also a context value)',
      () => ApiAuth.lambdaRequest(handler(), { identitySources: ['method.request.header.X-Tenant', 'context.identity.sourceIp'] }),
      ['method.request.header.X-Tenant'],
      false,
    ],
    ['lambdaRequest (stage variables only)', () => ApiAuth.lambdaRequest(handler(), { identitySources: ['stageVariables.tenant'] }), [], false],
    ['iam (a signature changes with every request)', () => ApiAuth.iam(), [], false],
  ])('%s', (_kind, auth, keys, complete) => {
    expect(auth()._restIdentityCacheKeys()).toEqual({ keys, complete });
  });
});

describe('_credentialInQueryString(): what $connect may receive in its query string per kind', () => {
  test.each<[string, () => Authorization, RegExp | undefined]>([
    ['jwt (the token parameter)', () => ApiAuth.jwt(JWT), /^a JWT \(\?token=\)$/],
    ['iam (presigned URLs)', () => ApiAuth.iam(), /SigV4 credentials when clients sign the URL \(X-Amz-Signature, X-Amz-Security-Token\)/],
    [
      'lambdaRequest reading the query string',
      () => ApiAuth.lambdaRequest(handler(), { identitySources: ['route.request.header.X-Id', 'route.request.querystring.key', 'route.request.querystring.sig'] }),
      /^identity sources \(route\.request\.querystring\.key, route\.request\.querystring\.sig\)$/,
    ],
    ['lambdaRequest reading headers only', () => ApiAuth.lambdaRequest(handler(), { identitySources: ['route.request.header.Authorization'] }), undefined],
    ['lambdaToken', () => ApiAuth.lambdaToken(handler()), undefined],
    ['cognito', () => ApiAuth.cognito(new UserPool(stack, 'Pool')), undefined],
    ['none', () => ApiAuth.none(), undefined],
  ])('%s', (_kind, auth, expected) => {
    const credential = auth()._credentialInQueryString();
    if (expected) expect(credential).toMatch(expected);
    else expect(credential).toBeUndefined();
  });
});

describe('binding an auth kind to a kind of API that lacks it fails at synth', () => {
  test.each<[string, (s: Stack) => Authorization, RegExp]>([
    ['ApiAuth.cognito', (s) => ApiAuth.cognito(new UserPool(s, 'Pool')), /Got: ApiAuth\.cognito/],
    ['ApiAuth.lambdaToken', (s) => ApiAuth.lambdaToken(inlineFunction(s, 'TokenAuthorizer')), /Got: ApiAuth\.lambdaToken/],
  ])('%s on a RealtimeWebSocketApi: ConnectAuthUnsupported, naming connectAuth and what $connect offers', (_kind, auth, got) => {
    expectApiError(
      () => new RealtimeWebSocketApi(stack, 'Chat', { profile: StageProfile.dev(), connectAuth: auth(stack) }),
      'ConnectAuthUnsupported',
      /connectAuth must be ApiAuth\.jwt, ApiAuth\.iam, ApiAuth\.lambdaRequest or ApiAuth\.none on a WebSocket API/,
      got,
    );
  });

  /** A kind that only REST APIs offer, as a new authorization class would be written. */
  class RestOnlyAuthorization extends Authorization {
    public readonly kindName = 'RestOnlyAuth.custom';
    public readonly description = 'a REST-only authorization';

    constructor() {
      super();
    }

    /** @internal */
    public _bindRest(): RestAuthConfig {
      return { securityScheme: { type: 'apiKey', name: 'Authorization', in: 'header' }, isAuthorizer: false };
    }
  }

  test('a kind without an HTTP binding on an HTTP API: AuthUnsupported, naming the route', () => {
    expectApiError(
      () =>
        new ServerlessApi(stack, 'Api', {
          profile: StageProfile.dev(),
          kind: ApiKind.HTTP,
          routes: { 'GET /items': { integration: RouteIntegration.httpProxy('https://backend.example.com/items'), auth: new RestOnlyAuthorization() } },
        }),
      'AuthUnsupported',
      /routes\["GET \/items"\]\.auth: RestOnlyAuth\.custom is not offered on HTTP APIs/,
      /Got: RestOnlyAuth\.custom/,
    );
  });

  test('the same kind on a REST API binds', () => {
    expect(
      () =>
        new ServerlessApi(stack, 'Api', {
          profile: StageProfile.dev(),
          routes: { 'GET /items': { integration: RouteIntegration.httpProxy('https://backend.example.com/items'), auth: new RestOnlyAuthorization() } },
        }),
    ).not.toThrow();
  });

  test('a kind without a WebSocket binding on $connect: ConnectAuthUnsupported', () => {
    expectApiError(
      () => new RealtimeWebSocketApi(stack, 'Chat', { profile: StageProfile.dev(), connectAuth: new RestOnlyAuthorization() }),
      'ConnectAuthUnsupported',
      /connectAuth must be/,
      /Got: RestOnlyAuth\.custom/,
    );
  });
});

describe('validateIdentitySources: the syntax of request authorizers, per kind of API', () => {
  test.each<[ApiKind, string[]]>([
    [ApiKind.REST, ['method.request.header.Authorization', 'method.request.querystring.key', 'context.identity.sourceIp', 'stageVariables.tenant']],
    [ApiKind.HTTP, ['$request.header.Authorization', '$request.querystring.key', '$context.identity.sourceIp', '$stageVariables.tenant']],
    [ApiKind.WEBSOCKET, ['route.request.header.Authorization', 'route.request.querystring.token', 'context.identity.sourceIp', 'stageVariables.tenant']],
  ])('%s accepts its own syntax', (kind, sources) => {
    expect(() => validateIdentitySources(stack, 'auth.identitySources', sources, kind)).not.toThrow();
  });

  test.each<[ApiKind, string, string]>([
    [ApiKind.REST, '$request.header.Authorization', 'method.request.header.Authorization'],
    [ApiKind.HTTP, 'method.request.header.Authorization', '$request.header.Authorization'],
    [ApiKind.WEBSOCKET, '$request.header.Authorization', 'route.request.querystring.token'],
    [ApiKind.HTTP, 'route.request.querystring.token', '$request.header.Authorization'],
  ])('%s rejects %s, showing its own example', (kind, source, example) => {
    expectApiError(
      () => validateIdentitySources(stack, 'routes["GET /a"].auth.identitySources', [source], kind),
      'IdentitySourcesInvalid',
      new RegExp(`routes\\["GET /a"\\]\\.auth\\.identitySources entries must match .* on a ${kind} API`),
      new RegExp(`e\\.g\\. "${example.replace(/[$.]/g, '\\$&')}"`),
      new RegExp(`Got: "${source.replace(/[$.]/g, '\\$&')}"`),
    );
  });

  test('an empty list is rejected', () => {
    expectApiError(() => validateIdentitySources(stack, 'connectAuth.identitySources', [], ApiKind.WEBSOCKET), 'IdentitySourcesInvalid', /connectAuth\.identitySources must list at least one source/, /Got: \[\]/);
  });

  test('an unresolved source is left to CloudFormation', () => {
    expect(() => validateIdentitySources(stack, 'auth.identitySources', [Lazy.string({ produce: () => 'anything' })], ApiKind.HTTP)).not.toThrow();
  });
});
