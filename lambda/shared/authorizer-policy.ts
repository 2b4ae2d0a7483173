import type { APIGatewayAuthorizerResult } from 'aws-lambda';

// Trims a method ARN to its stage, for every method and path:
//   arn:aws:execute-api:region:account:apiId/stage/GET/items/1 → arn:aws:execute-api:region:account:apiId/stage/*/*
// An ARN of any other shape is returned unchanged (a narrower, still correct policy).
export function stageWildcardArn(methodArn: string): string {
  const match = /^(arn:[^:]+:execute-api:[^:]*:[^:]*:[^/]+\/[^/]+)\//.exec(methodArn);
  return match ? `${match[1]}/*/*` : methodArn;
}

/** An authorizer answer: one `execute-api:Invoke` statement on `resource`. */
export function policy(effect: 'Allow' | 'Deny', principalId: string, resource: string): APIGatewayAuthorizerResult {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
    },
  };
}
