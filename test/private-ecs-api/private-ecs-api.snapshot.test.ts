import { minimalPrivateEcsApi, PRIVATE_ECS_PATHS, privateEcsStack } from '../support/private-ecs-api-fixtures';
import { templateOf } from '../support/stacks';
import { validateTemplates } from '../support/template-validation';

// These templates are pinned whole: CloudFormation's own schema checks them too.
validateTemplates();

// One snapshot per path from API Gateway to the containers, each the minimal API ('orders', dev
// profile, one service); the serializer in test/support strips asset hashes (aws-cdk-lib's
// deploy-time handlers) so their code changes do not churn them. The fine-grained tests in this
// folder say what matters in them.
describe('PrivateEcsApi template', () => {
  test.each(PRIVATE_ECS_PATHS.map((path) => [path.name, path] as const))('%s', (_name, path) => {
    const { stack } = privateEcsStack();
    minimalPrivateEcsApi(stack, path);
    expect(templateOf(stack).toJSON()).toMatchSnapshot();
  });
});
