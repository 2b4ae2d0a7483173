import { Token } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpAlbIntegration, HttpNlbIntegration, HttpServiceDiscoveryIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ApplicationListener, NetworkListener } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { IService } from 'aws-cdk-lib/aws-servicediscovery';
import type { IConstruct } from 'constructs';
import { ApiKind } from '../api-base/api-kind';
import { ApiPatternsError, describeValue } from '../validation/errors';
import { Integration, unsupported } from './integration';
import type { HttpIntegrationConfig, RestIntegrationConfig, RouteBinding } from './integration';
import { pathParameterMapping } from './http-proxy-integration';

/** Options shared by every private integration. */
export interface PrivateIntegrationOptions {
  /**
   * Call the load balancer over HTTPS and verify its certificate against this name (which must be
   * on a certificate of the listener, issued by a CA API Gateway trusts, e.g. ACM).
   * @default - HTTP inside the VPC
   */
  readonly tlsServerName?: string;
}

/** Options of {@link RouteIntegration.privateAlb}. */
export interface PrivateAlbIntegrationOptions extends PrivateIntegrationOptions {
  /** The VPC link (v2) whose network interfaces reach the load balancer; REST and HTTP APIs use v2 links for an ALB. */
  readonly vpcLink: apigwv2.IVpcLink;
}

/** Options of {@link RouteIntegration.privateNlb}. */
export interface PrivateNlbIntegrationOptions extends PrivateIntegrationOptions {
  /** The listener's port (REST integrations name it in their URI). */
  readonly port: number;
  /**
   * The VPC link (v1) that targets the load balancer. Required on REST APIs.
   * @default - none; REST routes fail without it
   */
  readonly vpcLink?: apigw.IVpcLink;
  /**
   * The VPC link (v2) whose network interfaces reach the load balancer. Required on HTTP APIs.
   * @default - none; HTTP routes fail without it
   */
  readonly vpcLinkV2?: apigwv2.IVpcLink;
}

/** Options of {@link RouteIntegration.cloudMap}. */
export interface CloudMapIntegrationOptions {
  /** The VPC link (v2) whose network interfaces reach the service's instances. */
  readonly vpcLink: apigwv2.IVpcLink;
}

/** Which kind of private target an integration sends to. */
type PrivateTarget =
  | { readonly kind: 'alb'; readonly listener: ApplicationListener; readonly vpcLink: apigwv2.IVpcLink }
  | { readonly kind: 'nlb'; readonly listener: NetworkListener; readonly port: number; readonly vpcLink?: apigw.IVpcLink; readonly vpcLinkV2?: apigwv2.IVpcLink }
  | { readonly kind: 'cloudMap'; readonly service: IService; readonly vpcLink: apigwv2.IVpcLink };

/**
 * Fails unless `name` is a DNS name API Gateway can verify a load balancer's certificate against
 * (`prop` names where it was given; `scope`, when there is one, is where the error points).
 */
export function validateTlsServerName(prop: string, name: string | undefined, scope?: IConstruct): void {
  if (name === undefined || Token.isUnresolved(name)) return;
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(name)) {
    throw new ApiPatternsError('PrivateTlsServerNameInvalid', `${prop} must be a DNS name on the listener's certificate, e.g. orders.internal.example.com. Got: ${describeValue(name)}`, scope);
  }
}

/** A REST path as the backend sees it: a greedy `{name+}` becomes `{name}`, which the path mapping fills with the rest of the path. */
function backendPath(path: string): string {
  return path.replace(/\{([A-Za-z0-9_]+)\+\}/g, '{$1}');
}

/**
 * HTTP proxy to a service inside a VPC, through a VPC link: an internal Application Load Balancer
 * (VPC link v2; REST and HTTP APIs), an internal Network Load Balancer (VPC link v1 on REST, v2 on
 * HTTP), or a Cloud Map service (VPC link v2; HTTP APIs only). The request and the answer pass
 * through unchanged, and the backend receives the route's own path: the stage name never reaches
 * it (REST integrations name their path; HTTP integrations overwrite it with `$request.path`).
 */
export class PrivateIntegration extends Integration {
  /** An internal ALB's listener, through a VPC link (v2). */
  public static applicationLoadBalancer(listener: ApplicationListener, options: PrivateAlbIntegrationOptions): PrivateIntegration {
    return new PrivateIntegration({ kind: 'alb', listener, vpcLink: options.vpcLink }, options.tlsServerName);
  }

  /** An internal NLB's listener, through a VPC link (v1 for REST, v2 for HTTP). */
  public static networkLoadBalancer(listener: NetworkListener, options: PrivateNlbIntegrationOptions): PrivateIntegration {
    return new PrivateIntegration({ kind: 'nlb', listener, port: options.port, vpcLink: options.vpcLink, vpcLinkV2: options.vpcLinkV2 }, options.tlsServerName);
  }

  /** A Cloud Map service whose instances register an IP and a port (SRV records), through a VPC link (v2). HTTP APIs only. */
  public static cloudMap(service: IService, options: CloudMapIntegrationOptions): PrivateIntegration {
    return new PrivateIntegration({ kind: 'cloudMap', service, vpcLink: options.vpcLink });
  }

  public readonly kindName: string;

  private constructor(
    private readonly target: PrivateTarget,
    private readonly tlsServerName?: string,
  ) {
    super();
    this.kindName = { alb: 'RouteIntegration.privateAlb', nlb: 'RouteIntegration.privateNlb', cloudMap: 'RouteIntegration.cloudMap' }[target.kind];
    validateTlsServerName(`${this.kindName} options.tlsServerName`, tlsServerName);
  }

  /** @internal */
  public _shareKey(binding: RouteBinding): string {
    // Routes share an HTTP integration only when everything the integration holds is the same.
    const t = this.target;
    const target = t.kind === 'cloudMap' ? t.service.node.addr : t.listener.node.addr;
    const links = t.kind === 'nlb' ? [t.vpcLink?.node.addr, t.vpcLinkV2?.node.addr] : [t.vpcLink.node.addr];
    return ['private', target, ...links.map((a) => a ?? '-'), this.tlsServerName ?? '-', binding.route.method].join(' ');
  }

  /** @internal */
  public _bindRest(binding: RouteBinding): RestIntegrationConfig {
    const { target } = this;
    if (target.kind === 'cloudMap') throw unsupported(binding, this.kindName, 'REST APIs reach a VPC through a load balancer');
    let connection: Record<string, unknown>;
    let host: string;
    if (target.kind === 'alb') {
      // November 2025: REST APIs reach an ALB through a VPC link v2, naming the load balancer as the integration target.
      connection = { connectionId: target.vpcLink.vpcLinkId, integrationTarget: target.listener.loadBalancer.loadBalancerArn };
      host = target.listener.loadBalancer.loadBalancerDnsName;
    } else {
      if (!target.vpcLink) throw missingLink(binding, this.kindName, 'options.vpcLink (a VPC link v1 that targets the NLB)');
      connection = { connectionId: target.vpcLink.vpcLinkId };
      host = target.listener.loadBalancer.loadBalancerDnsName;
    }
    const port = target.kind === 'alb' ? target.listener.port : target.port;
    const path = backendPath(binding.route.path);
    const uri = `${this.tlsServerName ? `https://${this.tlsServerName}` : `http://${host}`}:${port}${path}`;
    const requestParameters = pathParameterMapping(binding, path);
    return {
      integration: {
        type: 'http_proxy',
        connectionType: 'VPC_LINK',
        ...connection,
        httpMethod: binding.route.method,
        uri,
        passthroughBehavior: 'when_no_match',
        ...(Object.keys(requestParameters).length > 0 ? { requestParameters } : {}),
      },
    };
  }

  /** @internal */
  public _bindHttp(binding: RouteBinding): HttpIntegrationConfig {
    const { target } = this;
    // `$request.path` is the path the client called, without the stage (or a custom domain's base path).
    const parameterMapping = new apigwv2.ParameterMapping().overwritePath(apigwv2.MappingValue.requestPath());
    const method = binding.route.method as apigwv2.HttpMethod;
    const common = { method, parameterMapping, secureServerName: this.tlsServerName };
    switch (target.kind) {
      case 'alb':
        return { integration: new HttpAlbIntegration(binding.integrationId, target.listener, { ...common, vpcLink: target.vpcLink }) };
      case 'nlb':
        if (!target.vpcLinkV2) throw missingLink(binding, this.kindName, 'options.vpcLinkV2 (a VPC link v2 in the NLB\'s VPC)');
        return { integration: new HttpNlbIntegration(binding.integrationId, target.listener, { ...common, vpcLink: target.vpcLinkV2 }) };
      case 'cloudMap':
        return { integration: new HttpServiceDiscoveryIntegration(binding.integrationId, target.service, { method, parameterMapping, vpcLink: target.vpcLink }) };
    }
  }
}

/** The error for a private integration without the VPC link its API kind needs. */
function missingLink(binding: RouteBinding, kindName: string, what: string): ApiPatternsError {
  return new ApiPatternsError(
    'PrivateVpcLinkMissing',
    `${binding.prop}.integration: ${kindName} on ${binding.kind === ApiKind.REST ? 'a REST' : 'an HTTP'} API needs ${what}. Got: none`,
    binding.scope,
  );
}
