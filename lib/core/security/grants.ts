import { Grant } from 'aws-cdk-lib/aws-iam';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeWildcardResource } from '../compliance/acknowledgments';

/**
 * Grants `actions` on one ARN that must end in a wildcard because what it names only exists at run
 * time (connection ids, cached paths), and acknowledges AwsSolutions-IAM5 for exactly that ARN on
 * the grantee, with `reason`. Every `grant*()` of this library that needs such an ARN goes through
 * here, so the grantee's stack passes the compliance checks without an acknowledgment of its own.
 */
export function grantOnRunTimeResources(grantee: IGrantable, actions: string[], resourceArn: string, reason: string): Grant {
  const grant = Grant.addToPrincipal({ grantee, actions, resourceArns: [resourceArn] });
  const principal = grantee.grantPrincipal;
  if (Construct.isConstruct(principal)) acknowledgeWildcardResource(principal, resourceArn, reason);
  return grant;
}
