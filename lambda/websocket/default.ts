/**
 * `$default`: receives every message whose `action` matches no route (and every body that is not
 * JSON). Answers an error that lists the routes the caller can use (`AVAILABLE_ROUTES`).
 */
import { availableRoutes } from './lib/env';
import { RequestError } from './lib/responses';
import { defineRoute } from './lib/route';
import type { MessageBody } from './lib/validation';
import { parseMessageBody } from './lib/validation';

/** How much of an unknown action is echoed back. */
const MAX_ECHOED_ACTION_LENGTH = 64;

export const handler = defineRoute(async (event) => {
  const routes = availableRoutes();
  let body: MessageBody;
  try {
    body = parseMessageBody(event.body, event.isBase64Encoded);
  } catch (err) {
    throw err instanceof RequestError ? new RequestError(err.code, err.message, { routes }) : err;
  }
  const { action } = body;
  const problem =
    typeof action === 'string' && action !== ''
      ? `Unknown action "${action.slice(0, MAX_ECHOED_ACTION_LENGTH)}"`
      : 'The message has no "action"';
  throw new RequestError('UNKNOWN_ROUTE', `${problem}; use one of the listed routes`, { routes });
});
