import { AspectPriority, Aspects, Stack, Validations } from 'aws-cdk-lib';
import type { IAspect } from 'aws-cdk-lib';
import { CfnPermission } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';

/** A cdk-nag pack, by the prefix of its rule ids. */
export type NagPackName = 'AwsSolutions' | 'Serverless' | 'NIST.800.53.R5' | 'HIPAA.Security' | 'PCI.DSS.321';

/**
 * Acknowledges one cdk-nag rule (optionally one finding of it, e.g. `Resource::*`) on a construct
 * and its children, with the reason written into the template metadata. Every acknowledgment in
 * this library goes through here and is listed in docs/compliance.md.
 */
export function acknowledgeRule(scope: IConstruct, pack: NagPackName, rule: string, reason: string, finding?: string): void {
  Validations.of(scope).acknowledge({ id: `${pack}::${pack}-${rule}${finding ? `[${finding}]` : ''}`, reason });
}

/**
 * Acknowledges one AWS Control Tower guard rule (by its cfn-guard rule name, e.g.
 * `lambda_inside_vpc_check`) on a construct and its children.
 */
export function acknowledgeGuardRule(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `cdk-validator-cfnguard::${rule}`, reason });
}

/** Acknowledges the same rule, under the same name, in several packs. */
export function acknowledgeRuleInPacks(scope: IConstruct, packs: NagPackName[], rule: string, reason: string): void {
  for (const pack of packs) acknowledgeRule(scope, pack, rule, reason);
}

/** Reasons, kept in one place so code and docs/compliance.md say the same thing. */
export const REASONS = {
  synchronousDlq:
    'API Gateway invokes this function synchronously: errors go back to the caller and raise the Errors alarm. ' +
    'A dead-letter queue or on-failure destination only receives failed asynchronous invocations, so it would stay empty.',
  noVpc:
    'No VPC was given (functionOptions.vpc): the function reaches only public AWS endpoints over TLS with IAM credentials ' +
    'and no private resources. Pass functionOptions.vpc to run it in private subnets.',
  noReservedConcurrency:
    'Reserved concurrency is opt-in (functionOptions.reservedConcurrentExecutions): reserving it by default fails deployments ' +
    'in accounts whose concurrency quota is too small, and the stage throttle already bounds the request rate.',
  inlinePolicy:
    'The policy belongs to this one role only (a strict one-to-one relationship, the case AWS recommends inline policies for) ' +
    'and holds least-privilege statements generated for the resources this construct created.',
  serviceWildcard:
    'Only actions without resource-level permissions use Resource "*": X-Ray PutTraceSegments/PutTelemetryRecords and, in a VPC, ' +
    'the EC2 network-interface actions Lambda needs; AWS documents Resource "*" for both.',
  noAlarmTopic:
    'The stage profile names no alarmTopic (a non-production stage by convention): the alarm still records state ' +
    'changes on the dashboard and in CloudWatch; production profiles set alarmTopic and get SNS actions.',
  unencryptedLogs:
    'CloudWatch Logs encrypts every log group at rest with service-owned keys; a customer-managed KMS key is opt-in ' +
    'through the stage profile (logEncryptionKey), which the demo app sets for its stages.',
  shortRetention:
    'Non-production stage: its logs are kept for the profile\'s shorter retention on purpose, to limit cost and how long ' +
    'test data lingers. Production profiles keep logs for at least a year.',
  permissionSourceArn:
    'The permission is scoped by SourceArn to this API\'s own execute-api ARN; the ARN is built with Fn::Join from the ' +
    'partition, Region, account and API id, which the rule cannot read as a literal.',
} as const;

/**
 * Acknowledges Control Tower's CT.LAMBDA.PR.2 on every permission that lets API Gateway invoke a
 * function: each is scoped by SourceArn to one API (see REASONS.permissionSourceArn).
 * Added as an Aspect so it also covers permissions created late (authorizers, new routes).
 */
export class ApiGatewayPermissionAcknowledger implements IAspect {
  public visit(node: IConstruct): void {
    if (node instanceof CfnPermission && node.principal === 'apigateway.amazonaws.com' && node.sourceArn !== undefined) {
      acknowledgeGuardRule(node, 'lambda_function_public_access_prohibited_check', REASONS.permissionSourceArn);
    }
  }
}

/** What decides which function findings apply. */
export interface FunctionFindingsContext {
  readonly inVpc: boolean;
  readonly reserved: boolean;
  /** The role holds statements on Resource "*" (X-Ray tracing, VPC network interfaces). */
  readonly wildcardActions: boolean;
}

/**
 * Acknowledges, on one function and its role, the findings that do not fit an API backend, each
 * only when the user has not supplied the prop that resolves it.
 */
export function acknowledgeFunctionFindings(fn: IConstruct, role: IConstruct, context: FunctionFindingsContext): void {
  acknowledgeRuleInPacks(fn, ['NIST.800.53.R5', 'HIPAA.Security', 'Serverless'], 'LambdaDLQ', REASONS.synchronousDlq);
  acknowledgeRule(fn, 'Serverless', 'LambdaAsyncFailureDestination', REASONS.synchronousDlq);
  if (!context.inVpc) {
    acknowledgeRuleInPacks(fn, ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'], 'LambdaInsideVPC', REASONS.noVpc);
    acknowledgeGuardRule(fn, 'lambda_inside_vpc_check', REASONS.noVpc);
  }
  if (!context.reserved) acknowledgeRuleInPacks(fn, ['NIST.800.53.R5', 'HIPAA.Security'], 'LambdaConcurrency', REASONS.noReservedConcurrency);
  acknowledgeRuleInPacks(role, ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'], 'IAMNoInlinePolicy', REASONS.inlinePolicy);
  if (context.wildcardActions) acknowledgeRule(role, 'AwsSolutions', 'IAM5', REASONS.serviceWildcard, 'Resource::*');
}

/**
 * The text cdk-nag shows for a resolved CloudFormation value in a finding such as
 * `AwsSolutions-IAM5[Resource::<Table.Arn>/index/x]`: references become `<LogicalId>` or
 * `<LogicalId.Attribute>`, joins are joined, `${...}` becomes `<...>`.
 */
export function nagReferenceText(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (value !== null && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    if (Array.isArray(node['Fn::Join'])) {
      const [delimiter, items] = node['Fn::Join'] as [string, unknown[]];
      return items.map(nagReferenceText).join(delimiter);
    }
    if ('Fn::Sub' in node) return nagReferenceText(node['Fn::Sub']);
    if (Array.isArray(node['Fn::GetAtt'])) {
      const [resource, attribute] = node['Fn::GetAtt'] as [unknown, unknown];
      return `<${nagReferenceText(resource)}.${nagReferenceText(attribute)}>`;
    }
    if ('Fn::ImportValue' in node) return nagReferenceText(node['Fn::ImportValue']);
    if ('Ref' in node) return `<${nagReferenceText(node.Ref)}>`;
  }
  return JSON.stringify(value);
}

/**
 * Acknowledges AwsSolutions-IAM5 for one wildcard resource ARN granted to `scope` (a role or the
 * construct that holds it). The finding names the ARN as synthesized, which is only known once
 * tokens resolve, so an Aspect computes it at synthesis.
 */
export function acknowledgeWildcardResource(scope: IConstruct, resourceArn: string, reason: string): void {
  let done = false;
  // Runs before aspects of default priority, such as cdk-nag's writer of template metadata.
  Aspects.of(scope).add(
    {
      visit(node: IConstruct): void {
        if (done || node !== scope) return;
        done = true;
        const finding = `Resource::${nagReferenceText(Stack.of(scope).resolve(resourceArn))}`;
        acknowledgeRule(scope, 'AwsSolutions', 'IAM5', reason, finding);
      },
    },
    { priority: AspectPriority.MUTATING },
  );
}

/**
 * Acknowledges CT.LAMBDA.PR.3 (a function outside a VPC) on the handler of one of aws-cdk-lib's
 * stack-wide deploy-time providers (e.g. `Custom::S3AutoDeleteObjectsCustomResourceProvider`), which
 * a construct caused to exist: CloudFormation alone invokes it, and it only calls one AWS API.
 */
export function acknowledgeDeployTimeHandler(scope: IConstruct, providerId: string, what: string): void {
  const handler = Stack.of(scope).node.tryFindChild(providerId)?.node.tryFindChild('Handler');
  if (!handler) return;
  acknowledgeGuardRule(handler, 'lambda_inside_vpc_check', `aws-cdk-lib's deploy-time handler that ${what}; CloudFormation alone invokes it, and it calls only that AWS API, over TLS with its own role.`);
}
