import { Duration, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import { JsonSchemaType, Period } from 'aws-cdk-lib/aws-apigateway';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { MeteredPublicApi, RouteIntegration } from '../lib';
import { stageProfileFor } from './shared-stack';
import type { PlatformStageConfig } from './stage-config';

/** Props of {@link CatalogApiStack}. */
export interface CatalogApiStackProps extends StackProps {
  readonly config: PlatformStageConfig;
  /** Topic of the stage's alarm notifications, if it has one. */
  readonly alarmTopic?: ITopic;
}

/** A small product catalog, answered by API Gateway itself (a stand-in for a real backend). */
const PRODUCTS = [
  { id: 'p-100', name: 'Coffee beans', price: 12.5 },
  { id: 'p-200', name: 'Tea leaves', price: 8 },
];

/**
 * The demo public catalog API: third-party developers call it with an API key of a tier (free or
 * partner), WAF stands in front of it, and in prod the stage cache answers repeated reads.
 */
export class CatalogApiStack extends Stack {
  public readonly api: MeteredPublicApi;

  constructor(scope: Construct, id: string, props: CatalogApiStackProps) {
    super(scope, id, props);
    const { config } = props;
    const base = stageProfileFor(this, config, props.alarmTopic);
    // The stage cache costs per hour: prod only. Routes opt in with their own TTL.
    const profile = config.name === 'prod' ? base.withOverrides({ caching: { clusterSize: '0.5' } }) : base;
    const cache = config.name === 'prod' ? { cache: { ttl: Duration.minutes(5) } } : {};
    this.api = new MeteredPublicApi(this, 'CatalogApi', {
      profile,
      apiName: `catalog-${config.name}`,
      description: `Demo public catalog API (${config.name})`,
      tiers: [
        { name: 'free', rateLimit: 5, burstLimit: 10, quota: { limit: 1000, period: Period.DAY } },
        { name: 'partner', rateLimit: 50, burstLimit: 100, quota: { limit: 1_000_000, period: Period.MONTH }, routeThrottles: { 'POST /quotes': { rateLimit: 5, burstLimit: 10 } } },
      ],
      customers: [{ name: 'sample-customer', tier: 'free' }],
      webAcl: { rateLimit: 2000 },
      routes: {
        'GET /products': { integration: RouteIntegration.mock({ body: JSON.stringify({ products: PRODUCTS }) }), ...cache },
        'POST /quotes': {
          integration: RouteIntegration.mock({ body: JSON.stringify({ quoteId: '$context.requestId', validForSeconds: 600 }) }),
          requestSchema: {
            type: JsonSchemaType.OBJECT,
            required: ['productId', 'quantity'],
            properties: {
              productId: { type: JsonSchemaType.STRING, pattern: '^p-[0-9]{3}$' },
              quantity: { type: JsonSchemaType.INTEGER, minimum: 1, maximum: 1000 },
            },
          },
        },
        'GET /health': { integration: RouteIntegration.mock({ body: JSON.stringify({ status: 'ok' }) }), apiKeyRequired: false },
      },
    });
  }
}
