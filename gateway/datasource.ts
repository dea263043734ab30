import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
// The request-kind enum is public in the type of `process`, but not re-exported by the package.
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import {
  type DirectiveNode,
  type DocumentNode,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  parse,
  valueFromASTUntyped,
} from 'graphql';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { ASSERTION_HEADER, type Identity } from '../subgraphs/kit/identity';
import type { Logger } from '../subgraphs/kit/logger';
import { type Tracing, activeTracing, failSpan, injectTraceHeaders } from '../subgraphs/kit/tracing';
import { type Span, SpanKind } from '@opentelemetry/api';
import { ATTR_HTTP_RESPONSE_STATUS_CODE } from '@opentelemetry/semantic-conventions';
import { createSubgraphFetcher, isConnectionFailure } from './httpclient';
import type { GatewayMetrics } from './metrics';

/** What the gateway knows about the client request while it plans and fetches. */
export interface GatewayContext {
  requestId: string;
  acceptLanguage: string | undefined;
  identity: Identity;
  /** The signed identity assertion sent to every subgraph this request reaches. */
  assertion: string;
}

/** Error code for data a subgraph could not deliver (down, timed out, or failing). */
export const SUBGRAPH_UNAVAILABLE = 'SUBGRAPH_UNAVAILABLE';

/** Classifies a failed fetch for the metrics and the message the client reads. */
function failureKind(error: unknown): 'timeout' | 'connection' | 'http' {
  const err = error as { name?: string; cause?: { name?: string } };
  if (err?.name === 'TimeoutError' || err?.cause?.name === 'TimeoutError' || err?.name === 'AbortError')
    return 'timeout';
  if (isConnectionFailure(error)) return 'connection';
  return 'http';
}

/** A cache hint, as Apollo Server's cache policy takes it. */
interface CacheHint {
  maxAge?: number;
  scope?: 'PUBLIC' | 'PRIVATE';
}

/**
 * A subgraph answer's `Cache-Control` as a cache hint, read as `RemoteGraphQLDataSource` reads
 * it: `max-age` (0 when absent), `public` or `private` scope.
 */
function cacheHint(header: string | null): CacheHint {
  const hint: CacheHint = { maxAge: 0 };
  for (const directive of (header ?? '').split(',')) {
    const [name, value] = directive.trim().toLowerCase().split('=');
    if (name === 'max-age' && value && /^[0-9]+$/.test(value)) hint.maxAge = Number(value);
    else if (name === 'public') hint.scope = 'PUBLIC';
    else if (name === 'private') hint.scope = 'PRIVATE';
  }
  return hint;
}

/**
 * Paths, in the subgraph's response, of what a failed fetch would have delivered; the
 * gateway maps them onto the client's response. An entity fetch affects each
 * representation (`_entities.i`, or `alias.i` for each `_entities` alias of a batch), a root
 * fetch each of its root fields. All of them: the executors cap these errors per response, on
 * the client's paths (`execution/unavailable.ts`), where a cap per fetch would depend on how
 * the planner split its fetches.
 */
function affectedPaths(
  options: GraphQLDataSourceProcessOptions<GatewayContext>,
): Array<Array<string | number> | undefined> {
  let operation: DocumentNode | undefined;
  try {
    // Only on failure: parsing the subgraph operation again costs nothing on the happy path.
    operation = options.request.query ? parse(options.request.query) : undefined;
  } catch {
    operation = undefined;
  }
  const definition = operation?.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (definition?.kind !== Kind.OPERATION_DEFINITION) return [undefined];
  const variables = options.request.variables ?? {};
  const keys = new Map<string, Array<string | number>>();
  const included = rootFieldIncluded(definition, variables);
  const collect = (selectionSet: SelectionSetNode): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const key = (selection.alias ?? selection.name).value;
        // A root `__typename` is never missing: the executor answers it from the root type.
        if (selection.name.value === '__typename' || !included(selection)) continue;
        // `_entities` (one per alias in a batch of Hive's planner): each representation it was sent.
        const argument = selection.arguments?.find((a) => a.name.value === 'representations')?.value;
        const sent = argument?.kind === Kind.VARIABLE ? variables[argument.name.value] : undefined;
        if (selection.name.value === '_entities' && Array.isArray(sent)) {
          sent.forEach((_, i) => keys.set(`${key}.${i}`, [key, i]));
        } else keys.set(key, [key]);
      } else if (selection.kind === Kind.INLINE_FRAGMENT && included(selection)) collect(selection.selectionSet);
    }
  };
  collect(definition.selectionSet);
  const fields = definition.selectionSet.selections.length;
  // Every root field left out by @skip/@include (or `__typename`): the fetch would have delivered nothing.
  if (keys.size === 0) return fields > 0 ? [] : [undefined];
  return [...keys.values()];
}

/**
 * Whether `@skip`/`@include` keep a selection of the subgraph operation, with the variables sent
 * (the operation's defaults for those not sent): a root field a condition leaves out is in no
 * response, so no error names it. Hive's planner sends such fields with their directives where
 * Apollo's wraps the fetch in a Condition node.
 */
function rootFieldIncluded(
  definition: OperationDefinitionNode,
  variables: Record<string, unknown>,
): (selection: { directives?: ReadonlyArray<DirectiveNode> }) => boolean {
  const defaults: Record<string, unknown> = {};
  for (const variable of definition.variableDefinitions ?? []) {
    if (variable.defaultValue) defaults[variable.variable.name.value] = valueFromASTUntyped(variable.defaultValue);
  }
  const value = (name: string): unknown =>
    Object.prototype.hasOwnProperty.call(variables, name) ? variables[name] : defaults[name];
  return (selection) =>
    (selection.directives ?? []).every((directive) => {
      if (directive.name.value !== 'skip' && directive.name.value !== 'include') return true;
      const argument = directive.arguments?.find((a) => a.name.value === 'if')?.value;
      if (!argument) return true;
      const condition = argument.kind === Kind.VARIABLE ? value(argument.name.value) : valueFromASTUntyped(argument);
      // A condition that is not a boolean is the subgraph's error to report; count the field affected.
      if (typeof condition !== 'boolean') return true;
      return directive.name.value === 'skip' ? !condition : condition;
    });
}

/**
 * The gateway's client for one subgraph:
 * - a keep-alive undici pool with at most `SUBGRAPH_MAX_SOCKETS` connections, instead of the
 *   stock make-fetch-happen stack, sharing identical concurrent queries of the same identity
 *   (`SUBGRAPH_DEDUPE`, see {@link createSubgraphFetcher});
 * - a timeout per fetch that aborts the request (`SUBGRAPH_TIMEOUT_MS`, per-subgraph overrides);
 * - idle sockets closed after `SUBGRAPH_KEEP_ALIVE_MS`, before the subgraph's keep-alive timeout;
 * - one retry, in the client alone (so that retries never stack): a query whose connection failed
 *   (a pooled socket the subgraph had just closed, a refused or reset connection) is sent once
 *   more on a new connection, never after a timeout, never a mutation, which may have been applied;
 * - a failed fetch becomes an error coded `SUBGRAPH_UNAVAILABLE` at the affected path, so the
 *   client still gets the data of the healthy subgraphs;
 * - sends the signed identity assertion, the request id and `Accept-Language`; requests are
 *   built from scratch, so no other client header reaches a subgraph.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    private readonly subgraph: string,
    url: string,
    timeoutMs: number,
    private readonly metrics: GatewayMetrics,
    private readonly logger: Logger,
    client: { maxSockets: number; dedupe: boolean; idleTimeoutMs: number } = {
      maxSockets: 64,
      dedupe: true,
      idleTimeoutMs: 2_000,
    },
  ) {
    super({ url });
    this.client = createSubgraphFetcher({ ...client, timeoutMs });
    this.fetcher = this.client;
  }

  private readonly client: ReturnType<typeof createSubgraphFetcher>;

  /** Closes this subgraph's connections at once (the gateway stops), failing fetches in flight. */
  close(): void {
    this.client.destroy();
  }

  /**
   * Lets this subgraph's connections go once their fetches are answered: the gateway replaced
   * this data source (a new supergraph moved the subgraph), but operations planned before may
   * still fetch through it (on a new connection).
   */
  retire(): void {
    this.client.close();
  }

  /**
   * One fetch of a client operation, sent by this class itself rather than by
   * `RemoteGraphQLDataSource.process`, which builds node-fetch `Headers` and a `Request` per
   * fetch only to read them back (4 % of the gateway's CPU in a profile of stock). What it did
   * that matters is kept: JSON out and in, non-2xx answers are failures, and each subgraph
   * answer's `Cache-Control` restricts the request's cache policy (the response cache stores
   * only what every subgraph allows). Headers are built from scratch, so no client header
   * reaches a subgraph.
   */
  private async send(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
    traced: { tracing: Tracing; span: Span } | undefined,
  ): Promise<GatewayGraphQLResponse> {
    const { request, context } = options;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if ('requestId' in context) {
      headers['x-request-id'] = context.requestId;
      headers[ASSERTION_HEADER] = context.assertion;
      if (context.acceptLanguage) headers['accept-language'] = context.acceptLanguage;
    }
    // The subgraph's request span becomes a child of this fetch's.
    if (traced) injectTraceHeaders(traced.tracing, traced.span, headers);
    const body = JSON.stringify({
      query: request.query,
      variables: request.variables,
      operationName: request.operationName,
    });
    const response = await this.client(this.url, { method: 'POST', headers, body });
    traced?.span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.status);
    if (!response.ok) throw new Error(`the subgraph answered HTTP ${response.status}`);
    const contentType = response.headers.get('content-type') ?? '';
    if (!contentType.startsWith('application/json') && !contentType.startsWith('application/graphql-response+json'))
      throw new Error(`the subgraph answered ${contentType || 'no content type'}, not JSON`);
    const result: unknown = await response.json();
    if (typeof result !== 'object' || result === null || Array.isArray(result))
      throw new Error('the subgraph answered JSON that is not a GraphQL response');
    if (options.kind === GraphQLDataSourceRequestKind.INCOMING_OPERATION) {
      const policy = options.incomingRequestContext.overallCachePolicy;
      if (policy && 'restrict' in policy) policy.restrict(cacheHint(response.headers.get('cache-control')));
    }
    return result as GatewayGraphQLResponse;
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    if (options.kind !== GraphQLDataSourceRequestKind.INCOMING_OPERATION) return super.process(options);
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    const tracing = activeTracing();
    const span = tracing?.tracer.startSpan(`fetch ${this.subgraph}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        'graphql.subgraph.name': this.subgraph,
        'graphql.operation.name': options.request.operationName ?? '',
      },
    });
    try {
      const response = await this.send(options, tracing && span ? { tracing, span } : undefined);
      this.metrics.subgraphFetchDuration.observe({ subgraph: this.subgraph, outcome: 'ok' }, seconds());
      if (span && response.errors?.length) span.setAttribute('graphql.errors', response.errors.length);
      return response;
    } catch (error) {
      const kind = failureKind(error);
      if (span) failSpan(span, { code: kind });
      this.metrics.subgraphFetchDuration.observe({ subgraph: this.subgraph, outcome: kind }, seconds());
      this.metrics.subgraphErrors.inc({ subgraph: this.subgraph, kind });
      const requestId = 'requestId' in options.context ? options.context.requestId : undefined;
      this.logger.warn({ subgraph: this.subgraph, kind, requestId, err: error }, 'subgraph fetch failed');
      const message =
        kind === 'timeout'
          ? 'part of the graph did not answer in time; the data it holds is missing from this response'
          : 'part of the graph is temporarily unavailable; the data it holds is missing from this response';
      return {
        errors: affectedPaths(options).map((path) => ({ message, path, extensions: { code: SUBGRAPH_UNAVAILABLE } })),
      };
    } finally {
      span?.end();
    }
  }
}
