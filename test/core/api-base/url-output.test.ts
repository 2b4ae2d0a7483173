import { Template } from 'aws-cdk-lib/assertions';
import { HostedZone } from 'aws-cdk-lib/aws-route53';
import { ApiAuth, ApiKind, RealtimeWebSocketApi, RouteIntegration, ServerlessApi, StageProfile } from '../../../lib';
import { inlineFunction } from '../../support/stacks';
import { newStack } from '../../support/core-stacks';

type Kind = 'REST' | 'HTTP' | 'WEBSOCKET';

/** GIVEN a stack; WHEN an API of `kind` is built, with a custom domain when `domain` is set. */
function build(kind: Kind, props: { domain?: boolean; urlOutput?: boolean } = {}) {
  const { stack } = newStack();
  const zone = HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0EXAMPLE', zoneName: 'example.com' });
  const customDomain = props.domain ? { domainName: `${kind.toLowerCase()}.example.com`, hostedZone: zone, basePath: 'v1' } : undefined;
  const api =
    kind === 'WEBSOCKET'
      ? new RealtimeWebSocketApi(stack, 'Api', { profile: StageProfile.dev(), connectAuth: ApiAuth.none(), customDomain, urlOutput: props.urlOutput })
      : new ServerlessApi(stack, 'Api', {
          profile: StageProfile.dev(),
          kind: kind === 'REST' ? ApiKind.REST : ApiKind.HTTP,
          customDomain,
          urlOutput: props.urlOutput,
          routes: { 'GET /a': { integration: RouteIntegration.fromFunction(inlineFunction(stack)), auth: ApiAuth.none() } },
        });
  return { stack, api, outputs: Template.fromStack(stack).findOutputs('*') };
}

describe.each(['REST', 'HTTP', 'WEBSOCKET'] as const)('%s: the URL clients use is a stack output', (kind) => {
  test('by default, with the execute-api URL', () => {
    const { stack, api, outputs } = build(kind);
    const values = Object.values(outputs);
    expect(values).toHaveLength(1);
    expect(values[0].Value).toEqual(stack.resolve(api.url));
  });

  test('the custom domain URL when there is one', () => {
    const { outputs } = build(kind, { domain: true });
    const scheme = kind === 'WEBSOCKET' ? 'wss' : 'https';
    expect(Object.values(outputs).map((o) => o.Value)).toEqual([kind === 'WEBSOCKET' ? `${scheme}://websocket.example.com/v1` : `${scheme}://${kind.toLowerCase()}.example.com/v1/`]);
  });

  test('urlOutput: false adds none', () => {
    expect(build(kind, { urlOutput: false }).outputs).toEqual({});
  });
});
