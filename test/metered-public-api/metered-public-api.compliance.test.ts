import { App, Stack } from 'aws-cdk-lib';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { ApiCompliance } from '../../lib';
import { fullMeteredApi, minimalMeteredApi } from '../support/metered-public-api-fixtures';
import { validateTemplates } from '../support/template-validation';

// Compliance runs as in a user's synth: with CloudFormation's own schema checks.
validateTemplates();

// Each configuration, synthesized with the five cdk-nag packs and Control Tower's guard rules: an
// unacknowledged finding makes synth throw, so a clean synth is the assertion.
describe('MeteredPublicApi compliance', () => {
  test.each([
    ['minimal', minimalMeteredApi],
    ['full', fullMeteredApi],
  ])('%s configuration has no violations under all six packs', (_name, build) => {
    const app = new App();
    build(new Stack(app, 'Compliance'));
    ApiCompliance.apply(app);
    expect(() => app.synth()).not.toThrow();
  });

  test('a finding that nothing acknowledges fails synth (the packs do run on this construct)', () => {
    const app = new App();
    const stack = new Stack(app, 'Compliance');
    minimalMeteredApi(stack);
    // An SNS topic without encryption or TLS enforcement breaks several rules.
    new Topic(stack, 'PlainTopic');
    ApiCompliance.apply(app);
    expect(() => app.synth()).toThrow();
  });
});
