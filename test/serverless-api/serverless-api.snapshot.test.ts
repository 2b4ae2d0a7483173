import { ApiKind } from '../../lib';
import { newStack, templateOf } from '../support/stacks';
import { fullApi, minimalApi } from '../support/serverless-api-fixtures';
import { validateTemplates } from '../support/template-validation';

// These templates are pinned whole: CloudFormation's own schema checks them too.
validateTemplates();

// Snapshots pin the whole template of a few representative configurations; the serializer in
// test/support strips asset hashes so handler changes do not churn them.
describe.each([ApiKind.REST, ApiKind.HTTP])('ServerlessApi %s template', (protocol) => {
  test('minimal', () => {
    const { stack } = newStack();
    minimalApi(stack, protocol);
    expect(templateOf(stack).toJSON()).toMatchSnapshot();
  });

  test('full', () => {
    const { stack } = newStack();
    fullApi(stack, protocol);
    expect(templateOf(stack).toJSON()).toMatchSnapshot();
  });
});
