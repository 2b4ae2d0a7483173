/**
 * AWS Signature Version 4 for the one request shape the fan-out sends many thousands of times:
 * `POST` with a binary body, no query string, signed headers `host`, `x-amz-date` and (with
 * temporary credentials) `x-amz-security-token`.
 *
 * Why not the SDK's signer: a fan-out signs the same body for every subscriber. Here the body's
 * SHA-256 is computed once per message (`payloadHash`), the signing key once per day, region and
 * service, and each request costs one SHA-256 and one HMAC, synchronously. The tests check every
 * signature against `@smithy/signature-v4`, the SDK's own signer.
 *
 * Algorithm: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */
import { createHash, createHmac } from 'node:crypto';

/** The credentials a request is signed with (the SDK's `AwsCredentialIdentity` fits). */
export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface SignedPostOptions {
  /** `Host` header value: the host name, and `:port` when it is not the scheme's default. */
  readonly host: string;
  /** The request path as sent on the wire (already percent-encoded where needed). */
  readonly path: string;
  /** Hex SHA-256 of the body, from `payloadHash`. */
  readonly payloadHash: string;
  readonly region: string;
  readonly service: string;
  readonly credentials: SigningCredentials;
  /** Signing time; default now. */
  readonly date?: Date;
}

/** Hex SHA-256 of a request body. */
export function payloadHash(body: Uint8Array | string): string {
  return createHash('sha256').update(body).digest('hex');
}

/**
 * RFC 3986 percent-encoding as SigV4 wants it: everything but unreserved characters, including
 * `!'()*`, which `encodeURIComponent` leaves alone.
 */
export function uriEscape(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The canonical URI of a path for every service but S3: `.`, `..` and empty segments resolved,
 * then each segment encoded once more (so a `%3D` on the wire becomes `%253D`).
 */
export function canonicalUri(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return normalized.split('/').map(uriEscape).join('/');
}

/** Signing keys by `secret/date/region/service`: one HMAC chain per day instead of per request. */
const signingKeys = new Map<string, Buffer>();

function signingKey(secretAccessKey: string, day: string, region: string, service: string): Buffer {
  const cacheKey = `${secretAccessKey}/${day}/${region}/${service}`;
  let key = signingKeys.get(cacheKey);
  if (!key) {
    const dateKey = createHmac('sha256', `AWS4${secretAccessKey}`).update(day).digest();
    const regionKey = createHmac('sha256', dateKey).update(region).digest();
    const serviceKey = createHmac('sha256', regionKey).update(service).digest();
    key = createHmac('sha256', serviceKey).update('aws4_request').digest();
    // Credentials rotate and days pass: keep the map from growing in a long-lived environment.
    if (signingKeys.size >= 16) signingKeys.clear();
    signingKeys.set(cacheKey, key);
  }
  return key;
}

/** `YYYYMMDDTHHMMSSZ` */
function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * The headers that sign a `POST` of a body with hash `payloadHash`: `authorization`, `x-amz-date`
 * and, for temporary credentials, `x-amz-security-token`. Send them with `host` as given.
 */
export function signPost(options: SignedPostOptions): Record<string, string> {
  const { credentials, region, service } = options;
  const timestamp = amzDate(options.date ?? new Date());
  const day = timestamp.slice(0, 8);
  const scope = `${day}/${region}/${service}/aws4_request`;
  const token = credentials.sessionToken;

  const signedHeaders = token ? 'host;x-amz-date;x-amz-security-token' : 'host;x-amz-date';
  const canonicalHeaders = `host:${options.host.trim()}\nx-amz-date:${timestamp}\n${token ? `x-amz-security-token:${token}\n` : ''}`;
  const canonicalRequest = `POST\n${canonicalUri(options.path)}\n\n${canonicalHeaders}\n${signedHeaders}\n${options.payloadHash}`;
  const stringToSign = `AWS4-HMAC-SHA256\n${timestamp}\n${scope}\n${payloadHash(canonicalRequest)}`;
  const signature = createHmac('sha256', signingKey(credentials.secretAccessKey, day, region, service))
    .update(stringToSign)
    .digest('hex');

  const headers: Record<string, string> = {
    authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    'x-amz-date': timestamp,
  };
  if (token) headers['x-amz-security-token'] = token;
  return headers;
}
