import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate, CertificateValidation } from 'aws-cdk-lib/aws-certificatemanager';
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import { AaaaRecord, ARecord, RecordTarget } from 'aws-cdk-lib/aws-route53';
import type { IHostedZone } from 'aws-cdk-lib/aws-route53';
import { ApiGatewayDomain, ApiGatewayv2DomainProperties } from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import type { IConstruct } from 'constructs';
import { ApiKind } from '../api-base/api-kind';
import { ApiPatternsError, describeValue } from '../validation/errors';
import { validateBasePath, validateDomainName } from '../validation/validation';

/** Props of {@link ApiCustomDomain}. */
export interface ApiCustomDomainProps {
  /** The domain name, lowercase, e.g. `api.example.com`. Use one subdomain per stage. */
  readonly domainName: string;
  /**
   * The kind of API the domain is made for. REST and HTTP domains both serve REST and HTTP APIs
   * (API Gateway maps both on one Regional domain); REST creates the domain with the REST API
   * resource (`AWS::ApiGateway::DomainName`), HTTP with the v2 one. A WEBSOCKET domain serves
   * WebSocket APIs only: API Gateway cannot map a WebSocket API on a domain with REST or HTTP APIs.
   */
  readonly kind: ApiKind;
  /**
   * Public hosted zone for the DNS-validated certificate and the A and AAAA alias records.
   * Pass a zone from `HostedZone.fromHostedZoneAttributes` to keep synth free of lookups.
   * @default - no records; `certificate` is then required and DNS is yours to manage
   */
  readonly hostedZone?: IHostedZone;
  /**
   * Certificate for the domain, in the stack's Region (Regional endpoint).
   * @default - a new certificate validated through DNS in `hostedZone`
   */
  readonly certificate?: ICertificate;
}

/**
 * A Regional custom domain for API Gateway with TLS 1.2 as the minimum: the certificate (given, or
 * created with DNS validation), the domain, Route 53 A and AAAA alias records, and mappings that
 * let several APIs share the domain under different base paths (`orders`, or several levels such
 * as `v1/orders`).
 *
 * The API constructs create one for you from `customDomain: { domainName, hostedZone }`; create
 * it yourself (in a shared stack, say) and pass `customDomain: { domain, basePath }` to several
 * APIs to share it. Each API creates its own mapping in its own scope, so an API stack depends on
 * the domain's stack and never the other way round.
 */
export class ApiCustomDomain extends Construct {
  /** The domain name. */
  public readonly domainName: string;

  /** The kind of API this domain was made for (see `ApiCustomDomainProps.kind`). */
  public readonly kind: ApiKind;

  /** The certificate, given or created. */
  public readonly certificate: ICertificate;

  /** The REST domain (kind REST). */
  public readonly restDomain?: apigw.DomainName;

  /** The v2 domain (kinds HTTP and WEBSOCKET). */
  public readonly v2Domain?: apigwv2.DomainName;

  /** Alias records pointing at the domain, when a hosted zone was given. */
  public readonly records: Array<ARecord | AaaaRecord> = [];

  private readonly basePaths = new Map<string, string>();

  constructor(scope: Construct, id: string, props: ApiCustomDomainProps) {
    super(scope, id);
    validateDomainName(this, 'customDomain.domainName', props.domainName);
    if (!props.certificate && !props.hostedZone) {
      throw new ApiPatternsError(
        'CustomDomainNeedsCertificateOrZone',
        `customDomain for ${describeValue(props.domainName)} needs a certificate or a hostedZone to create one in. Got: neither`,
        this,
      );
    }
    this.domainName = props.domainName;
    this.kind = props.kind;
    this.certificate =
      props.certificate ??
      new Certificate(this, 'Certificate', {
        domainName: props.domainName,
        validation: CertificateValidation.fromDns(props.hostedZone),
      });

    let target: RecordTarget;
    if (props.kind === ApiKind.REST) {
      this.restDomain = new apigw.DomainName(this, 'Resource', {
        domainName: props.domainName,
        certificate: this.certificate,
        endpointType: apigw.EndpointType.REGIONAL,
        securityPolicy: apigw.SecurityPolicy.TLS_1_2,
      });
      // Serve IPv6 too, so the AAAA record resolves to a reachable endpoint.
      (this.restDomain.node.defaultChild as apigw.CfnDomainName).addPropertyOverride('EndpointConfiguration.IpAddressType', 'dualstack');
      target = RecordTarget.fromAlias(new ApiGatewayDomain(this.restDomain));
    } else {
      this.v2Domain = new apigwv2.DomainName(this, 'Resource', {
        domainName: props.domainName,
        certificate: this.certificate,
        endpointType: apigwv2.EndpointType.REGIONAL,
        securityPolicy: apigwv2.SecurityPolicy.TLS_1_2,
        ipAddressType: apigwv2.IpAddressType.DUAL_STACK,
      });
      target = RecordTarget.fromAlias(
        new ApiGatewayv2DomainProperties(this.v2Domain.regionalDomainName, this.v2Domain.regionalHostedZoneId),
      );
    }
    if (props.hostedZone) {
      this.records.push(
        new ARecord(this, 'AliasA', { zone: props.hostedZone, recordName: props.domainName, target }),
        new AaaaRecord(this, 'AliasAAAA', { zone: props.hostedZone, recordName: props.domainName, target }),
      );
    }
  }

  /** The public base URL of an API mapped under `basePath`. */
  public urlFor(basePath?: string): string {
    const scheme = this.kind === ApiKind.WEBSOCKET ? 'wss' : 'https';
    return `${scheme}://${this.domainName}/${basePath ?? ''}`;
  }

  /**
   * Maps a REST API stage under `basePath` (one or more path segments), or at the root. The mapping
   * is created in `scope` (the API's), so it lives in the API's stack. A one-segment path on a REST
   * domain is a base-path mapping; several segments, or an HTTP domain, take an API mapping.
   */
  public mapRestStage(scope: Construct, id: string, restApi: apigw.IRestApi, stage: apigw.Stage, basePath?: string): IConstruct {
    this.claimBasePath(ApiKind.REST, scope, basePath);
    if (this.restDomain && !basePath?.includes('/')) {
      return new apigw.BasePathMapping(scope, id, { domainName: this.restDomain, restApi, stage, basePath });
    }
    return this.apiMapping(scope, id, restApi.restApiId, stage, basePath);
  }

  /** Maps an HTTP or WebSocket API stage under `basePath`, or at the root, with the mapping in `scope` (the API's). */
  public mapV2Stage(scope: Construct, id: string, api: apigwv2.IApi, stage: apigwv2.IStage, kind: ApiKind, basePath?: string): IConstruct {
    this.claimBasePath(kind, scope, basePath);
    return this.apiMapping(scope, id, api.apiId, stage, basePath);
  }

  /** An API mapping (v2), which serves REST and HTTP APIs alike and takes multi-level keys. */
  private apiMapping(scope: Construct, id: string, apiId: string, stage: IConstruct & { readonly stageName: string }, basePath?: string): apigwv2.CfnApiMapping {
    const mapping = new apigwv2.CfnApiMapping(scope, id, {
      apiId,
      stage: stage.stageName,
      domainName: this.restDomain?.domainName ?? this.v2Domain!.name,
      apiMappingKey: basePath,
    });
    // A stage name is a plain string: without this, the mapping could be created before its stage.
    mapping.node.addDependency(stage);
    return mapping;
  }

  private claimBasePath(kind: ApiKind, scope: IConstruct, basePath: string | undefined): void {
    if ((kind === ApiKind.WEBSOCKET) !== (this.kind === ApiKind.WEBSOCKET)) {
      throw new ApiPatternsError(
        'CustomDomainKindMismatch',
        `customDomain ${describeValue(this.domainName)} serves ${this.kind === ApiKind.WEBSOCKET ? 'WebSocket' : 'REST and HTTP'} APIs and cannot map a ${kind} API: ` +
          `API Gateway does not map WebSocket APIs on the same domain as REST or HTTP APIs; give it a domain of its own. Got: ${kind}`,
        this,
      );
    }
    if (basePath !== undefined) validateBasePath(this, 'customDomain.basePath', basePath);
    const key = basePath ?? '';
    const other = this.basePaths.get(key);
    if (other !== undefined) {
      throw new ApiPatternsError(
        'BasePathDuplicate',
        `customDomain.basePath ${describeValue(key)} is already mapped on ${describeValue(this.domainName)} by ${other}. Got: ${describeValue(key)} for ${scope.node.path}`,
        this,
      );
    }
    this.basePaths.set(key, scope.node.path);
  }
}

/**
 * How an API construct gets its custom domain: either create one (`domainName` with `hostedZone`
 * and/or `certificate`) or share an existing {@link ApiCustomDomain} (`domain`), optionally under
 * a `basePath`.
 */
export interface CustomDomainOptions {
  /**
   * The domain name to create.
   * @default - none; `domain` must be given
   */
  readonly domainName?: string;
  /**
   * Hosted zone for the certificate and alias records of a created domain.
   * @default - no records; `certificate` required
   */
  readonly hostedZone?: IHostedZone;
  /**
   * Certificate for a created domain.
   * @default - created with DNS validation in `hostedZone`
   */
  readonly certificate?: ICertificate;
  /**
   * An existing domain to share with other APIs.
   * @default - a new domain from `domainName`
   */
  readonly domain?: ApiCustomDomain;
  /**
   * Base path (API mapping key) under which this API is served.
   * @default - the domain's root
   */
  readonly basePath?: string;
}

/** Returns the domain to map an API on: the shared one from `options.domain`, or a new one. */
export function resolveCustomDomain(scope: Construct, id: string, options: CustomDomainOptions, kind: ApiKind): ApiCustomDomain {
  if (options.domain) {
    if (options.domainName || options.certificate || options.hostedZone) {
      throw new ApiPatternsError(
        'CustomDomainAmbiguous',
        `customDomain takes either domain (to share one) or domainName/hostedZone/certificate (to create one), not both. Got: domain and ${(['domainName', 'hostedZone', 'certificate'] as const).filter((k) => options[k] !== undefined).map((k) => (k === 'domainName' ? describeValue(options.domainName) : k)).join(', ')}`,
        scope,
      );
    }
    return options.domain;
  }
  if (!options.domainName) {
    throw new ApiPatternsError('CustomDomainNameMissing', 'customDomain.domainName is required when customDomain.domain is not given. Got: undefined', scope);
  }
  return new ApiCustomDomain(scope, id, {
    domainName: options.domainName,
    hostedZone: options.hostedZone,
    certificate: options.certificate,
    kind,
  });
}
