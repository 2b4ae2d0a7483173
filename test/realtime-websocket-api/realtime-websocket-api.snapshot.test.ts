import { newStack } from '../support/core-stacks';
import { templateOf } from '../support/stacks';
import { fullWebSocketApi, minimalWebSocketApi } from '../support/realtime-websocket-api-fixtures';
import { validateTemplates } from '../support/template-validation';

// These templates are pinned whole: CloudFormation's own schema checks them too.
validateTemplates();

// Snapshots pin the whole template of a few representative configurations; the serializer in
// test/support strips asset hashes so handler changes do not churn them.
describe('RealtimeWebSocketApi template', () => {
  test('minimal: a public feed with the built-in routes', () => {
    const { stack } = newStack();
    minimalWebSocketApi(stack);
    expect(templateOf(stack).toJSON()).toMatchSnapshot();
  });

  test('full: JWT on $connect, custom domain, alarm topic, log key, table key and a user route', () => {
    const { stack } = newStack();
    fullWebSocketApi(stack);
    expect(templateOf(stack).toJSON()).toMatchSnapshot();
  });
});
