/**
 * Checks a request's SigV4 signature the way an AWS endpoint does, with the AWS SDK's own signer
 * (`@smithy/signature-v4`): the request is signed again from what arrived on the wire (method, raw
 * path, the headers its `SignedHeaders` names, the body) with the caller's secret, and the two
 * `Authorization` headers must match. The loopback `@connections` endpoints use it, so the handlers'
 * posts are accepted only when they are signed as API Gateway requires.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Hash, Hmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SourceData } from '@smithy/types';

export interface SigV4Expectation {
  readonly region: string;
  readonly service: string;
  /** The caller's credentials, looked up by the access key id the request names. */
  readonly secretFor: (accessKeyId: string) => string | undefined;
}

export interface ReceivedRequest {
  readonly method: string;
  /** The raw path as received (`req.url`). */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Uint8Array;
}

/** Why a signature was refused, or undefined when it is valid. */
export async function sigV4Problem(request: ReceivedRequest, expected: SigV4Expectation): Promise<string | undefined> {
  const authorization = request.headers.authorization;
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
    authorization ?? '',
  );
  if (!match) return `malformed Authorization header: ${authorization ?? '(none)'}`;
  const [, accessKeyId, day, region, service, signedHeaders] = match;
  if (region !== expected.region) return `signed for region ${region}, expected ${expected.region}`;
  if (service !== expected.service) return `signed for service ${service}, expected ${expected.service}`;
  const secretAccessKey = expected.secretFor(accessKeyId);
  if (!secretAccessKey) return `unknown access key ${accessKeyId}`;
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  if (!/^\d{8}T\d{6}Z$/.test(amzDate) || !amzDate.startsWith(day)) return `bad x-amz-date ${amzDate}`;

  const names = signedHeaders.split(';');
  if (!names.includes('host')) return 'host is not signed';
  const headers: Record<string, string> = {};
  for (const name of names) {
    const value = request.headers[name];
    if (value === undefined) return `signed header ${name} is missing`;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const sessionToken = request.headers['x-amz-security-token'];
  const signer = new SignatureV4({
    service,
    region,
    credentials: {
      accessKeyId,
      secretAccessKey,
      sessionToken: typeof sessionToken === 'string' ? sessionToken : undefined,
    },
    sha256: NodeSha256,
    // Sign x-amz-content-sha256 only when the request did (then it is among `headers`).
    applyChecksum: false,
  });
  const [hostname, port] = headers.host.split(':');
  const signed = await signer.sign(
    { method: request.method, protocol: 'https:', hostname, port: port ? Number(port) : undefined, path: request.path, query: {}, headers, body: request.body },
    {
      signingDate: new Date(
        `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
      ),
    },
  );
  const expectedAuthorization = signed.headers.authorization;
  return expectedAuthorization === authorization ? undefined : `signature mismatch: expected ${expectedAuthorization}`;
}

/** The `Checksum` shape the SDK's signer wants (a hash, or an HMAC when given a secret), on node:crypto. */
export class NodeSha256 {
  private readonly state: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.state = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }

  update(data: SourceData): void {
    this.state.update(bytes(data));
  }

  async digest(): Promise<Uint8Array> {
    return this.state.digest();
  }
}

function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}
