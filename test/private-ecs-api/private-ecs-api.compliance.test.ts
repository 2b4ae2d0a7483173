import { App, Stack } from 'aws-cdk-lib';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { ApiCompliance } from '../../lib';
import { ENV, fullPrivateEcsApi, minimalPrivateEcsApi, PRIVATE_ECS_PATHS, REST_ALB } from '../support/private-ecs-api-fixtures';
import { validateTemplates } from '../support/template-validation';

// Compliance runs as in a user's synth: with CloudFormation's own schema checks.
validateTemplates();

// Each configuration, synthesized with the five cdk-nag packs and Control Tower's guard rules: an
// unacknowledged finding makes synth throw, so a clean synth is the assertion.
describe('PrivateEcsApi compliance', () => {
  // One app, one stack per configuration, one synth: the packs check every stack, and the report
  // names the stack of any finding (one synth instead of six keeps the suite fast).
  test('the five paths (dev) and the full production configuration (TLS, secrets, environment, NAT egress, auto scaling, private endpoint) have no violations under all six packs', () => {
    const app = new App();
    PRIVATE_ECS_PATHS.forEach((path, i) => minimalPrivateEcsApi(new Stack(app, `Path${i}`, { env: ENV }), path, { apiName: `orders-path${i}` }));
    fullPrivateEcsApi(new Stack(app, 'Full', { env: ENV }));
    ApiCompliance.apply(app);
    expect(() => app.synth()).not.toThrow();
    expect(app.node.children.filter((c) => c instanceof Stack)).toHaveLength(PRIVATE_ECS_PATHS.length + 1);
  });

  test('a finding that nothing acknowledges fails synth (the packs do run on this construct)', () => {
    const app = new App();
    const stack = new Stack(app, 'Compliance', { env: ENV });
    minimalPrivateEcsApi(stack, REST_ALB);
    // An SNS topic without encryption or TLS enforcement breaks several rules.
    new Topic(stack, 'PlainTopic');
    ApiCompliance.apply(app);
    expect(() => app.synth()).toThrow();
  });
});
