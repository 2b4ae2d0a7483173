import type { IConstruct } from 'constructs';
import { ApiKind } from '../api-base/api-kind';
import { ApiPatternsError } from '../validation/errors';

/** Features that not every kind of API offers. */
export enum ApiFeature {
  REQUEST_VALIDATION = 'REQUEST_VALIDATION',
  ROUTE_CACHE = 'ROUTE_CACHE',
  STAGE_CACHE = 'STAGE_CACHE',
  API_KEYS = 'API_KEYS',
  STAGE_TRACING = 'STAGE_TRACING',
  ENDPOINT_TYPE = 'ENDPOINT_TYPE',
  WAF = 'WAF',
  RESOURCE_POLICY = 'RESOURCE_POLICY',
  CLIENT_CERTIFICATE = 'CLIENT_CERTIFICATE',
  STAGE_CANARY = 'STAGE_CANARY',
}

/**
 * Which kinds of API offer each feature, and the words used for it in errors: the one table the
 * REST-only (and other per-protocol) checks read.
 */
export const PROTOCOL_FEATURES: Record<ApiFeature, { readonly label: string; readonly kinds: readonly ApiKind[] }> = {
  [ApiFeature.REQUEST_VALIDATION]: { label: 'request validation (requestSchema)', kinds: [ApiKind.REST] },
  [ApiFeature.ROUTE_CACHE]: { label: 'caching (cache)', kinds: [ApiKind.REST] },
  [ApiFeature.STAGE_CACHE]: { label: 'caching (profile.caching)', kinds: [ApiKind.REST] },
  [ApiFeature.API_KEYS]: { label: 'API keys (apiKeyRequired)', kinds: [ApiKind.REST] },
  [ApiFeature.STAGE_TRACING]: { label: 'X-Ray tracing on the stage (tracing)', kinds: [ApiKind.REST] },
  [ApiFeature.ENDPOINT_TYPE]: { label: 'private or edge endpoints (endpointType)', kinds: [ApiKind.REST] },
  [ApiFeature.WAF]: { label: 'WAF (webAclArn)', kinds: [ApiKind.REST] },
  [ApiFeature.RESOURCE_POLICY]: { label: 'resource policies (resourcePolicy)', kinds: [ApiKind.REST] },
  [ApiFeature.CLIENT_CERTIFICATE]: { label: 'client certificates (clientCertificate)', kinds: [ApiKind.REST] },
  [ApiFeature.STAGE_CANARY]: { label: 'stage canaries and labelled releases (profile.stageRelease)', kinds: [ApiKind.REST] },
};

/** True when APIs of `kind` offer `feature`. */
export function offers(kind: ApiKind, feature: ApiFeature): boolean {
  return PROTOCOL_FEATURES[feature].kinds.includes(kind);
}

/**
 * Fails unless APIs of `kind` offer `feature`; `prefix` names where it was asked for (e.g. the
 * route's prop). Every feature in the table is REST-only today, hence the error id.
 */
export function requireFeature(scope: IConstruct, kind: ApiKind, feature: ApiFeature, prefix?: string): void {
  if (offers(kind, feature)) return;
  const { label, kinds } = PROTOCOL_FEATURES[feature];
  throw new ApiPatternsError(
    'RestOnlyFeature',
    `${prefix ? `${prefix}: ` : ''}${label} needs kind ${kinds.map((k) => `ApiKind.${k}`).join(' or ')}; ${kind} APIs do not offer it. Got: kind ${kind}`,
    scope,
  );
}
