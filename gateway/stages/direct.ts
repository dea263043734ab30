import { hash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { parse as parseUrl } from 'node:url';
import {
  type ApolloServer,
  type ApolloServerPlugin,
  type GraphQLRequestContext,
  type GraphQLRequestListener,
  type GraphQLResponse,
  HeaderMap,
} from '@apollo/server';
import type { GatewayExecutor, GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import type { FetcherHeaders } from '@apollo/utils.fetcher';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { Request, RequestHandler, Response } from 'express';
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  Kind,
  getOperationAST,
} from 'graphql';
import Negotiator from 'negotiator';
import type { Logger } from '../../subgraphs/kit/logger';
import type { GatewayContext } from '../datasource';
import { mayDefer } from '../incremental';

/**
 * The gateway's own handling of `/graphql` for the common case (`GATEWAY_EXECUTOR=ours`): a POST
 * of one JSON operation whose document Apollo Server has already parsed and validated (its
 * document cache holds it), answered with the gateway's executor without Apollo Server's
 * `executeHTTPGraphQLRequest`, whose request pipeline around the executor (header maps,
 * re-hashing, plugin hooks run through promises, content negotiation twice, the request context
 * copied for the gateway interface) cost ~6 % of the gateway's CPU on scenario R.
 *
 * It answers exactly what Apollo Server would: the same plugins' hooks (`didResolveOperation`,
 * `willSendResponse`) with the same request context fields, Apollo's cache-control header
 * (`max-age=N, public|private` for a cacheable answer without errors, else `no-store`), the same
 * error normalisation (code defaulted, `http` turned into status and headers, `formatError`), the
 * same status rules (400 for errors without data and no status of their own, 500 for an
 * executor that throws), the same content negotiation and the same body (`{errors, data,
 * extensions}` as JSON and a newline). Everything else goes to Apollo Server, untouched and
 * before anything is observable: any other method or body shape (its 400s), a content type CSRF
 * prevention would look at, an `Accept` it would refuse (406), persisted queries (APQ and trusted
 * documents register and look up there), a document not in the cache yet (parse and validation
 * errors are Apollo's; a valid one is cached by it for the next request), an operation that does
 * not resolve, a subscription, a document with `@defer` (multipart answers), a plugin hook this
 * path does not run, any refusal of a `didResolveOperation` hook (the operation limits: Apollo
 * Server refuses it again, with the same error), and a server not started (or stopping).
 */

/** The media types Apollo Server answers a single result with, by preference (its `MEDIA_TYPES`). */
const APPLICATION_JSON = 'application/json; charset=utf-8';
const SINGLE_RESULT_TYPES = [
  APPLICATION_JSON,
  'application/graphql-response+json; charset=utf-8',
  'application/json; callbackSpec=1.0; charset=utf-8',
];

/** Answers of the content negotiation per `Accept` header seen (clients send a handful). */
const NEGOTIATED_ENTRIES = 64;
const negotiated = new Map<string, string | null>();

/** The content type Apollo Server answers a single result with for this `Accept`; null: it refuses (406). */
function singleResultType(accept: string | undefined): string | null {
  if (!accept) return APPLICATION_JSON;
  let type = negotiated.get(accept);
  if (type === undefined) {
    type = new Negotiator({ headers: { accept } }).mediaType(SINGLE_RESULT_TYPES) ?? null;
    if (negotiated.size >= NEGOTIATED_ENTRIES) negotiated.clear();
    negotiated.set(accept, type);
  }
  return type;
}

/** Whether the body is what Apollo Server's `runHttpQuery` takes without refusing, with a query and no persisted query. */
function isPlainOperation(
  body: unknown,
): body is { query: string; operationName?: string | null } & Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const { query, operationName, variables, extensions } = body as Record<string, unknown>;
  if (typeof query !== 'string' || query === '') return false;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return false;
  if (variables !== undefined && variables !== null && !isRecord(variables)) return false;
  if (extensions === undefined || extensions === null) return true;
  return isRecord(extensions) && (extensions as { persistedQuery?: unknown }).persistedQuery === undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/**
 * Whether CSRF prevention lets the request through on its content type alone: a type it can
 * parse that is not one of the three a browser sends without a preflight. Anything else (no
 * content type, a simple one with or without the preflight header) is left to Apollo Server.
 */
function preflighted(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const essence = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return essence === 'application/json';
}

/** The cache policy of one request, as Apollo Server's `newCachePolicy` keeps it. */
function newCachePolicy(): GraphQLRequestContext<GatewayContext>['overallCachePolicy'] {
  return {
    maxAge: undefined,
    scope: undefined,
    restrict(hint) {
      if (hint.maxAge !== undefined && (this.maxAge === undefined || hint.maxAge < this.maxAge))
        this.maxAge = hint.maxAge;
      if (hint.scope !== undefined && this.scope !== 'PRIVATE') this.scope = hint.scope;
    },
    replace(hint) {
      if (hint.maxAge !== undefined) this.maxAge = hint.maxAge;
      if (hint.scope !== undefined) this.scope = hint.scope;
    },
    policyIfCacheable() {
      if (this.maxAge === undefined || this.maxAge === 0) return null;
      return { maxAge: this.maxAge, scope: this.scope ?? 'PUBLIC' };
    },
  };
}

/** Apollo Server's `formatError`, as the GraphQL stage configures it. */
type FormatError = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/** The status and headers that errors' `extensions.http` ask for, as Apollo Server merges them. */
interface ErrorsHead {
  status?: number;
  headers: Array<[string, string]>;
}

/** Apollo Server's `normalizeAndFormatErrors` (without stack traces, which the gateway never sends). */
function formatErrors(
  errors: readonly unknown[],
  formatError: FormatError,
): { formatted: GraphQLFormattedError[]; head: ErrorsHead } {
  const head: ErrorsHead = { headers: [] };
  const formatted = errors.map((raw) => {
    try {
      const error = ensureGraphQLError(raw);
      const extensions: Record<string, unknown> = {
        ...error.extensions,
        code: error.extensions.code ?? 'INTERNAL_SERVER_ERROR',
      };
      const http = extensions.http as { status?: unknown; headers?: unknown } | undefined;
      if (
        typeof http === 'object' &&
        http !== null &&
        (!('status' in http) || typeof http.status === 'number') &&
        (!('headers' in http) || http.headers instanceof Map)
      ) {
        if (http.status) head.status = http.status as number;
        if (http.headers) for (const entry of http.headers as Map<string, string>) head.headers.push(entry);
        delete extensions.http;
      }
      return formatError({ ...error.toJSON(), extensions }, raw);
    } catch {
      return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
  });
  return { formatted, head };
}

function ensureGraphQLError(raw: unknown): GraphQLError {
  if (raw instanceof GraphQLError) return raw;
  const error = raw instanceof Error ? raw : new GraphQLError(`Unexpected error value: ${String(raw)}`);
  return error instanceof GraphQLError ? error : new GraphQLError(error.message, { originalError: error });
}

/** Apollo Server's `UserInputError` for a variable graphql-js refused without a code: `BAD_USER_INPUT`. */
function codeBadUserInput(error: GraphQLError): GraphQLError {
  const node = error.nodes?.length === 1 ? error.nodes[0] : undefined;
  if (node?.kind !== Kind.VARIABLE_DEFINITION || error.extensions.code != null) return error;
  const name = node.variable.name.value;
  const prefixes = ['has invalid value', 'got invalid value ', 'of required type ', 'of non-null type '];
  if (!prefixes.some((prefix) => error.message.startsWith(`Variable "$${name}" ${prefix}`))) return error;
  const coded = new GraphQLError(error.message, {
    nodes: error.nodes,
    originalError: error.originalError ?? error,
    extensions: { ...error.extensions, code: 'BAD_USER_INPUT' },
  });
  coded.name = 'UserInputError';
  return coded;
}

/** The parts of Apollo Server (5.x) this path reads; private in its types, checked when the path starts. */
interface ApolloInternals {
  internals: {
    state: { phase: string; schemaManager?: { getSchemaDerivedData(): SchemaDerivedData } };
    gatewayExecutor: GatewayExecutor | null;
    /** The plugins given, and those Apollo Server installed itself (each with its internal id). */
    plugins: ReadonlyArray<ApolloServerPlugin<GatewayContext> & { __internal_plugin_id__?: string }>;
  };
}

/**
 * The plugins Apollo Server installs itself that this path stands in for: the cache-control
 * plugin (its `cache-control` header, {@link setCacheControl}; its field hints never fire with a
 * gateway executor, which resolves no fields) and inline tracing (on for subgraph schemas only).
 * Any other one Apollo Server installed (a new version's) turns this path off.
 */
const IMPLICIT_PLUGINS = new Set(['CacheControl', 'InlineTrace']);

interface SchemaDerivedData {
  schema: GraphQLSchema;
  documentStore: KeyValueCache<DocumentNode> | null;
  documentStoreKeyPrefix: string;
}

/**
 * The hooks of a request listener this path runs; a listener with any other hook sends the request
 * to Apollo Server. Parsing and validation hooks are among them: Apollo Server calls them only for
 * a document not in its cache, and this path serves cached documents only, so it calls them never
 * either (the tracing stage's spans of those phases).
 */
const RUN_HOOKS = new Set(['didResolveOperation', 'willSendResponse', 'parsingDidStart', 'validationDidStart']);

/** What the direct path is built from. */
export interface DirectOptions {
  apollo: ApolloServer<GatewayContext>;
  /** The plugins given to Apollo Server (its implicit cache-control plugin is this path's own code). */
  plugins: ReadonlyArray<ApolloServerPlugin<GatewayContext>>;
  formatError: FormatError;
  /** The request's context, as the GraphQL stage builds it for Apollo Server. */
  context: (req: Request, res: Response) => Promise<GatewayContext>;
  /** Writes a complete answer as the GraphQL stage writes Apollo Server's. */
  write: (req: Request, res: Response, status: number, headers: HeaderMap, body: string) => void;
  logger: Logger;
}

/**
 * The direct path's request handler, placed before Apollo Server's: answers the requests it
 * can answer exactly as Apollo Server would, and passes every other one on (`next()`), before
 * anything observable happened. Undefined when the started Apollo Server is not one this path
 * knows (its internals moved): everything then goes through Apollo Server. Apollo Server must run
 * the gateway's own executor (`GATEWAY_EXECUTOR=ours`), whose request context needs are those
 * given here.
 */
export function directExecution(options: DirectOptions): RequestHandler | undefined {
  const { apollo, plugins, formatError, logger } = options;
  const internals = (apollo as unknown as Partial<ApolloInternals>).internals;
  const executor = internals?.gatewayExecutor;
  const given = new Set(plugins);
  if (
    !internals ||
    typeof internals.state?.schemaManager?.getSchemaDerivedData !== 'function' ||
    typeof executor !== 'function' ||
    !Array.isArray(internals.plugins) ||
    internals.plugins.some((plugin) => !given.has(plugin) && !IMPLICIT_PLUGINS.has(plugin.__internal_plugin_id__ ?? ''))
  ) {
    logger.warn('the gateway answers every request through Apollo Server: its internals are not the ones expected');
    return undefined;
  }
  const derived = (): SchemaDerivedData | undefined =>
    internals.state.phase === 'started' ? internals.state.schemaManager?.getSchemaDerivedData() : undefined;

  return async (req, res, next) => {
    const body: unknown = req.body;
    if (req.method !== 'POST' || !isPlainOperation(body) || !preflighted(req.headers['content-type'])) return next();
    const contentType = singleResultType(req.headers.accept);
    const schemaData = derived();
    if (contentType === null || !schemaData?.documentStore) return next();
    const query = body.query;
    // Apollo Server's key of the document: the SHA-256 of the text (one-shot, no Hash object).
    const queryHash = hash('sha256', query, 'hex');
    let document: DocumentNode | undefined;
    try {
      document = await schemaData.documentStore.get(schemaData.documentStoreKeyPrefix + queryHash);
    } catch {
      // Apollo Server logs the store's failure, and parses.
    }
    if (!document || mayDefer(document)) return next();
    const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;
    const operation = getOperationAST(document, operationName) ?? undefined;
    if (!operation || operation.operation === 'subscription') return next();

    let contextValue: GatewayContext;
    try {
      contextValue = await options.context(req, res);
    } catch {
      return next();
    }
    const headers = new IncomingHeaders(req.headers);
    const request = {
      query,
      operationName,
      variables: isRecord(body.variables) ? body.variables : undefined,
      extensions: isRecord(body.extensions) ? body.extensions : undefined,
      http: {
        method: 'POST',
        headers,
        // As the GraphQL stage gives it to Apollo Server: url.parse gives no search (null) for a URL without `?`.
        search: req.url.includes('?') ? (parseUrl(req.url).search ?? '') : '',
        body,
      },
    };
    const response: GraphQLResponse & { http: { status?: number; headers: HeaderMap } } = {
      http: { status: undefined, headers: new HeaderMap() },
      body: undefined as unknown as GraphQLResponse['body'],
    };
    const requestContext = {
      logger: apollo.logger,
      cache: apollo.cache,
      schema: schemaData.schema,
      request,
      response,
      contextValue,
      metrics: { persistedQueryHit: false, persistedQueryRegister: false },
      overallCachePolicy: newCachePolicy(),
      requestIsBatched: false,
      queryHash,
      source: query,
      document,
      operation,
      operationName: operation.name?.value || null,
    } as GraphQLRequestContext<GatewayContext> & { errors?: readonly GraphQLError[] };

    const listeners: Array<GraphQLRequestListener<GatewayContext>> = [];
    for (const plugin of plugins) {
      const listener = await plugin.requestDidStart?.(requestContext as never);
      if (!listener) continue;
      for (const [hook, value] of Object.entries(listener))
        if (typeof value === 'function' && !RUN_HOOKS.has(hook)) return next();
      listeners.push(listener);
    }
    try {
      await Promise.all(listeners.map((listener) => listener.didResolveOperation?.(requestContext as never)));
    } catch {
      return next();
    }

    // From here on, this path answers.
    let errors: readonly GraphQLError[] | undefined;
    let result: { data?: Record<string, unknown> | null; extensions?: Record<string, unknown> };
    let status: number | undefined;
    let errorHeaders: Array<[string, string]> = [];
    let formatted: GraphQLFormattedError[] | undefined;
    try {
      const executed = await executor(gatewayRequestContext(requestContext));
      const { errors: resultErrors, ...rest } = executed;
      result = rest;
      // As Apollo Server: an `errors` list, even empty, is formatted and sent.
      if (resultErrors) {
        errors = resultErrors.map(codeBadUserInput);
        requestContext.errors = errors;
        const { formatted: formattedErrors, head } = formatErrors(errors, formatError);
        formatted = formattedErrors;
        status = head.status;
        errorHeaders = head.headers;
        // Apollo Server's status400ForVariableCoercionErrors (its default): errors and no data.
        if (errors.length && result.data === undefined && !status) status = 400;
      }
    } catch (thrown) {
      const error = ensureGraphQLError(thrown);
      errors = [error];
      requestContext.errors = errors;
      result = {};
      const { formatted: formattedErrors, head } = formatErrors(errors, formatError);
      formatted = formattedErrors;
      status = head.status ?? 500;
      errorHeaders = head.headers;
    }
    if (status) response.http.status = status;
    for (const [name, value] of errorHeaders) response.http.headers.set(name, value);
    const singleResult = { ...result, errors: formatted };
    response.body = { kind: 'single', singleResult };
    try {
      await Promise.all(listeners.map((listener) => listener.willSendResponse?.(requestContext as never)));
      // No plugin turns a result without `@defer` into parts; should one ever, it is an internal error.
      if (response.body.kind !== 'single') throw new Error('a plugin made the answer incremental on the direct path');
    } catch (thrown) {
      // As Apollo Server answers a failure of its own pipeline: logged, then a masked 500.
      apollo.logger.error(`Unexpected error processing request: ${String(thrown)}`);
      const { formatted: errors, head } = formatErrors([new Error('Internal server error')], formatError);
      const failure = new HeaderMap(head.headers);
      failure.set('content-type', contentType);
      options.write(req, res, head.status ?? 500, failure, `${JSON.stringify({ errors })}\n`);
      return;
    }
    setCacheControl(requestContext);
    if (!response.http.headers.get('content-type')) response.http.headers.set('content-type', contentType);
    const { singleResult: sent } = response.body;
    const text = `${JSON.stringify({ errors: sent.errors, data: sent.data, extensions: sent.extensions })}\n`;
    options.write(req, res, response.http.status || 200, response.http.headers, text);
  };
}

/** Apollo Server's cache-control plugin (`calculateHttpHeaders: true`) at `willSendResponse`. */
function setCacheControl(requestContext: GraphQLRequestContext<GatewayContext>): void {
  const { response, overallCachePolicy } = requestContext;
  const existing = response.http.headers.get('cache-control');
  let policy = overallCachePolicy.policyIfCacheable();
  if (existing) {
    if (existing === 'no-store') {
      response.http.headers.set('cache-control', 'no-store');
      return;
    }
    const match = /^max-age=(\d+), (public|private)$/.exec(existing);
    if (!match) return;
    const combined = newCachePolicy();
    combined.replace(overallCachePolicy);
    combined.restrict({ maxAge: Number(match[1]), scope: match[2] === 'public' ? 'PUBLIC' : 'PRIVATE' });
    policy = combined.policyIfCacheable();
  }
  const single = response.body?.kind === 'single' ? response.body.singleResult : undefined;
  if (policy && single && !single.errors) {
    response.http.headers.set('cache-control', `max-age=${policy.maxAge}, ${policy.scope.toLowerCase()}`);
  } else {
    response.http.headers.set('cache-control', 'no-store');
  }
}

/** The request context the gateway interface gives an executor (Apollo Server's `makeGatewayGraphQLRequestContext`). */
function gatewayRequestContext(
  requestContext: GraphQLRequestContext<GatewayContext>,
): GatewayGraphQLRequestContext<GatewayContext> {
  const { request } = requestContext;
  return {
    request: {
      query: request.query,
      operationName: request.operationName,
      variables: request.variables,
      extensions: request.extensions,
    },
    response: {
      http: {
        headers: new FetcherHeadersOf(requestContext.response.http.headers),
        get status() {
          return requestContext.response.http.status;
        },
        set status(status) {
          requestContext.response.http.status = status;
        },
      },
    },
    logger: requestContext.logger,
    schema: requestContext.schema,
    schemaHash: 'schemaHash no longer exists since Apollo Server 4' as never,
    context: requestContext.contextValue,
    cache: requestContext.cache,
    queryHash: requestContext.queryHash!,
    document: requestContext.document!,
    source: requestContext.source!,
    operationName: requestContext.operationName ?? null,
    operation: requestContext.operation!,
    errors: undefined,
    metrics: requestContext.metrics,
    debug: false,
    overallCachePolicy: requestContext.overallCachePolicy,
    requestIsBatched: false,
  };
}

/**
 * The request's headers as Apollo Server's `HeaderMap` (as the GraphQL stage copies them for
 * Apollo Server: names in lower case, repeated values joined with `, `), read from Node's headers
 * for `get` and `has` (what plugins ask: `cache-control`), copied only when anything else is used.
 */
class IncomingHeaders extends HeaderMap {
  private copied = false;

  constructor(private readonly raw: IncomingHttpHeaders) {
    super();
  }

  private copy(): void {
    if (this.copied) return;
    this.copied = true;
    for (const [key, value] of Object.entries(this.raw)) {
      if (value !== undefined) super.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
  }

  override get(key: string): string | undefined {
    if (this.copied) return super.get(key);
    const name = key.toLowerCase();
    const value = Object.hasOwn(this.raw, name) ? this.raw[name] : undefined;
    return Array.isArray(value) ? value.join(', ') : value;
  }

  override has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  override set(key: string, value: string): this {
    this.copy();
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    this.copy();
    return super.delete(key);
  }

  override clear(): void {
    this.copied = true;
    super.clear();
  }

  override get size(): number {
    this.copy();
    return super.size;
  }

  override forEach(callback: (value: string, key: string, map: Map<string, string>) => void, thisArg?: unknown): void {
    this.copy();
    super.forEach(callback, thisArg);
  }

  override entries(): MapIterator<[string, string]> {
    this.copy();
    return super.entries();
  }

  override keys(): MapIterator<string> {
    this.copy();
    return super.keys();
  }

  override values(): MapIterator<string> {
    this.copy();
    return super.values();
  }

  override [Symbol.iterator](): MapIterator<[string, string]> {
    this.copy();
    return super[Symbol.iterator]();
  }
}

/** The response headers as the gateway interface's `FetcherHeaders` (Apollo Server's `FetcherHeadersForHeaderMap`). */
class FetcherHeadersOf implements FetcherHeaders {
  constructor(private readonly map: HeaderMap) {}
  append(name: string, value: string): void {
    const known = this.map.get(name);
    this.map.set(name, known === undefined ? value : `${known}, ${value}`);
  }
  delete(name: string): void {
    this.map.delete(name);
  }
  get(name: string): string | null {
    return this.map.get(name) ?? null;
  }
  has(name: string): boolean {
    return this.map.has(name);
  }
  set(name: string, value: string): void {
    this.map.set(name, value);
  }
  entries(): MapIterator<[string, string]> {
    return this.map.entries();
  }
  keys(): MapIterator<string> {
    return this.map.keys();
  }
  values(): MapIterator<string> {
    return this.map.values();
  }
  [Symbol.iterator](): MapIterator<[string, string]> {
    return this.map.entries();
  }
}
