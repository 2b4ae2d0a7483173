import { fullMeteredApi, minimalMeteredApi } from '../support/metered-public-api-fixtures';
import { newStack, templateOf } from '../support/stacks';
import { validateTemplates } from '../support/template-validation';

// These templates are pinned whole: CloudFormation's own schema checks them too.
validateTemplates();

// Snapshots pin the whole template of two representative configurations; the serializer in
// test/support strips asset hashes (the tenant-key authorizer's bundle) so handler changes do not
// churn them. The fine-grained tests in this folder say what matters in them.
describe('MeteredPublicApi template', () => {
  test('minimal: one tier, one keyed route', () => {
    const { stack } = newStack();
    minimalMeteredApi(stack);
    expect(templateOf(stack).toJSON()).toMatchSnapshot();
  });

  test('full: tiers with quotas and route throttles, two customers, tenant-key authorizer, CORS, caching, web ACL options', () => {
    const { stack } = newStack();
    fullMeteredApi(stack);
    expect(templateOf(stack).toJSON()).toMatchSnapshot();
  });
});
