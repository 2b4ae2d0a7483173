import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../support/sigv4-verifier';
import { canonicalUri, payloadHash, signPost, uriEscape } from '../../../lambda/websocket/lib/sigv4';

const EXAMPLE_CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

/** What the AWS SDK's signer puts into `authorization` for the same request. */
async function sdkAuthorization(options: {
  host: string;
  path: string;
  body: Uint8Array | string;
  region: string;
  service: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  date: Date;
}): Promise<string> {
  // Without x-amz-content-sha256, which the SDK adds for S3-style checksums; API Gateway needs none.
  const signer = new SignatureV4({ ...options, sha256: NodeSha256, applyChecksum: false });
  const [hostname, port] = options.host.split(':');
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'https:',
      hostname,
      port: port ? Number(port) : undefined,
      path: options.path,
      query: {},
      headers: { host: options.host },
      body: options.body,
    },
    { signingDate: options.date },
  );
  return signed.headers.authorization;
}

describe('signPost', () => {
  test('matches the AWS Signature Version 4 test suite (post-vanilla)', () => {
    const headers = signPost({
      host: 'example.amazonaws.com',
      path: '/',
      payloadHash: payloadHash(''),
      region: 'us-east-1',
      service: 'service',
      credentials: EXAMPLE_CREDENTIALS,
      date: new Date('2015-08-30T12:36:00Z'),
    });
    expect(headers).toEqual({
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b',
      'x-amz-date': '20150830T123600Z',
    });
  });

  test.each([
    ['a plain id', '/prod/@connections/L0SM9cOFvHcCIhw='],
    ['an id with + and /', `/prod/@connections/${encodeURIComponent('a+b/c=')}`],
    ['characters encodeURIComponent leaves alone', `/prod/@connections/${encodeURIComponent("it's(*)!")}`],
    ['dot segments and a trailing slash', '/prod/./x/../@connections/abc/'],
    ['a nested stage path', '/v1/prod/@connections/abc'],
  ])('signs %s exactly as the AWS SDK does', async (_label, path) => {
    const body = Buffer.from(JSON.stringify({ type: 'message', text: 'héllo' }));
    const common = {
      host: 'abc123.execute-api.eu-west-1.amazonaws.com',
      path,
      region: 'eu-west-1',
      service: 'execute-api',
      credentials: EXAMPLE_CREDENTIALS,
      date: new Date('2026-11-23T08:09:10Z'),
    };
    const headers = signPost({ ...common, payloadHash: payloadHash(body) });
    expect(headers.authorization).toBe(await sdkAuthorization({ ...common, body }));
    expect(headers['x-amz-date']).toBe('20261123T080910Z');
  });

  test('signs the session token of temporary credentials, and sends it', async () => {
    const common = {
      host: '127.0.0.1:8443',
      path: '/test/@connections/abc%3D',
      region: 'us-east-1',
      service: 'execute-api',
      credentials: { ...EXAMPLE_CREDENTIALS, sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE//token==' },
      date: new Date('2026-01-02T03:04:05Z'),
    };
    const headers = signPost({ ...common, payloadHash: payloadHash('x') });
    expect(headers['x-amz-security-token']).toBe('IQoJb3JpZ2luX2VjEXAMPLE//token==');
    expect(headers.authorization).toContain('SignedHeaders=host;x-amz-date;x-amz-security-token,');
    expect(headers.authorization).toBe(await sdkAuthorization({ ...common, body: 'x' }));
  });

  test('a different secret, day or region gives a different signature', () => {
    const base = {
      host: 'h',
      path: '/p',
      payloadHash: payloadHash('x'),
      region: 'us-east-1',
      service: 'execute-api',
      credentials: EXAMPLE_CREDENTIALS,
      date: new Date('2026-01-02T03:04:05Z'),
    };
    const signature = (options: Partial<typeof base>) => signPost({ ...base, ...options }).authorization.split('Signature=')[1];
    const reference = signature({});
    expect(signature({ credentials: { ...EXAMPLE_CREDENTIALS, secretAccessKey: 'other' } })).not.toBe(reference);
    expect(signature({ date: new Date('2026-01-03T03:04:05Z') })).not.toBe(reference);
    expect(signature({ region: 'eu-west-1' })).not.toBe(reference);
    expect(signature({ payloadHash: payloadHash('y') })).not.toBe(reference);
    // The cached signing key is the same key: signing again gives the same signature.
    expect(signature({})).toBe(reference);
  });
});

describe('canonical URI', () => {
  test('encodes each segment once more, as for every service but S3', () => {
    expect(canonicalUri('/prod/@connections/abc%3D')).toBe('/prod/%40connections/abc%253D');
  });

  test('resolves dot segments and drops empty ones', () => {
    expect(canonicalUri('/a/./b/../c//d/')).toBe('/a/c/d/');
    expect(canonicalUri('/')).toBe('/');
  });

  test("uriEscape encodes !'()* too", () => {
    expect(uriEscape("a!'()*b ~")).toBe('a%21%27%28%29%2Ab%20~');
  });
});
