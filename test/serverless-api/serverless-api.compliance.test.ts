import { App, Stack } from 'aws-cdk-lib';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { ApiKind, ApiCompliance } from '../../lib';
import { fullApi, minimalApi } from '../support/serverless-api-fixtures';
import { validateTemplates } from '../support/template-validation';

// Compliance runs as in a user's synth: with CloudFormation's own schema checks.
validateTemplates();

// Each flavour, synthesized with the five cdk-nag packs and Control Tower's guard rules: an
// unacknowledged finding makes synth throw, so a clean synth is the assertion.
describe.each([ApiKind.REST, ApiKind.HTTP])('ServerlessApi %s compliance', (protocol) => {
  test.each([
    ['minimal', minimalApi],
    ['full', fullApi],
  ])('%s configuration has no violations under all six packs', (_name, build) => {
    const app = new App();
    build(new Stack(app, 'Compliance'), protocol);
    ApiCompliance.apply(app);
    expect(() => app.synth()).not.toThrow();
  });

  test('a finding that nothing acknowledges fails synth', () => {
    const app = new App();
    const stack = new Stack(app, 'Compliance');
    minimalApi(stack, protocol);
    // An SNS topic without encryption or TLS enforcement breaks several rules.
    new Topic(stack, 'PlainTopic');
    ApiCompliance.apply(app);
    expect(() => app.synth()).toThrow();
  });
});
