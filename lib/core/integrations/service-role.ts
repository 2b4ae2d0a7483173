import { Names } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { Construct, IConstruct } from 'constructs';
import { acknowledgeRuleInPacks, REASONS } from '../compliance/acknowledgments';

const roles = new WeakMap<Construct, Map<string, Role>>();

/**
 * The role API Gateway assumes to call an AWS service for one integration target on one API:
 * created once per (API, target, action) however many routes use it, trusted by
 * `apigateway.amazonaws.com`, and granted by `grant` (the target's own
 * least-privilege grant, e.g. `queue.grantSendMessages(role)`, which adds KMS key grants for
 * encrypted targets).
 *
 * Its construct id comes from the target's construct path, so adding or reordering routes never
 * replaces it.
 */
export function serviceIntegrationRole(scope: Construct, target: IConstruct, action: string, grant: (role: IRole) => void): IRole {
  let byKey = roles.get(scope);
  if (!byKey) {
    byKey = new Map();
    roles.set(scope, byKey);
  }
  const key = `${action}:${target.node.addr}`;
  const existing = byKey.get(key);
  if (existing) return existing;
  const id = `${action.replace(/[^A-Za-z0-9]/g, '')}Role${Names.uniqueId(target).slice(-8)}`;
  const role = new Role(scope, id, {
    assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
    description: `API Gateway ${action} on ${target.node.path}`.slice(0, 1000),
  });
  grant(role);
  // The finding is the role's inline policy, which the grant just created.
  const policy = role.node.tryFindChild('DefaultPolicy');
  if (policy) acknowledgeRuleInPacks(policy, ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'], 'IAMNoInlinePolicy', REASONS.inlinePolicy);
  byKey.set(key, role);
  return role;
}
