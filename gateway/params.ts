import type { Request } from 'express';

/**
 * The GraphQL request parameters, from the JSON body of a POST or the query string of a GET,
 * with `variables` and `extensions` parsed when a GET sends them as JSON text (as Apollo
 * Server will). Text that is not JSON is left as it is, for Apollo Server to refuse.
 */
export function graphQLParamsOf(req: Request): Record<string, unknown> | undefined {
  const source: unknown = req.method === 'GET' ? req.query : req.body;
  if (typeof source !== 'object' || source === null || Array.isArray(source)) return undefined;
  if (req.method !== 'GET') return source as Record<string, unknown>;
  const params = { ...(source as Record<string, unknown>) };
  for (const name of ['variables', 'extensions']) {
    const text = params[name];
    if (typeof text !== 'string') continue;
    try {
      params[name] = JSON.parse(text) as unknown;
    } catch {
      // Apollo Server answers malformed JSON here with its own 400.
    }
  }
  return params;
}
