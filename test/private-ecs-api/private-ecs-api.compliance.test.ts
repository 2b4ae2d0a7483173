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
  test.each(PRIVATE_ECS_PATHS.map((path) => [path.name, path] as const))('%s (dev) has no violations under all six packs', (_name, path) => {
    const app = new App();
    minimalPrivateEcsApi(new Stack(app, 'Compliance', { env: ENV }), path);
    ApiCompliance.apply(app);
    expect(() => app.synth()).not.toThrow();
  });

  test('full production configuration (TLS, secrets, environment, NAT egress, auto scaling, private endpoint) has no violations', () => {
    const app = new App();
    fullPrivateEcsApi(new Stack(app, 'Compliance', { env: ENV }));
    ApiCompliance.apply(app);
    expect(() => app.synth()).not.toThrow();
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
