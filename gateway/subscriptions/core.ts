/**
 * What every subscription transport of the gateway shares (WebSocket in `ws.ts`, Server-Sent
 * Events in `sse.ts`); a transport only speaks its protocol and maps endings onto it.
 *
 * - A client's {@link Session} (a WebSocket connection, or one SSE request) is authenticated
 *   once, by the HTTP path's {@link Authenticator}; every live session's credential is checked
 *   again (bypassing the credential cache) once per `CREDENTIAL_CACHE_TTL_SECONDS`, and a session
 *   whose credential is now refused ends (`revoked`), so revocation closes subscriptions within
 *   the bound it has on HTTP requests.
 * - Each subscription is parsed, validated against the API schema and held to the operation
 *   limits (`limits.ts`) as a query is, counted against the caps (per connection, per credential,
 *   per client address; per gateway process), then planned. The plan's primary fetch is opened on
 *   the owning subgraph over `graphql-ws` (one upstream connection per subgraph and session,
 *   carrying the client's signed identity assertion, so the subgraph authorizes each event for
 *   that identity); each event then runs the plan's `rest` with the gateway's executor and is
 *   shaped and masked as a query's result.
 * - A supergraph reload ends every session (`reloaded`), so that clients subscribe again against
 *   the new graph; the gateway going away ends them too (`shutdown`).
 * - Each subscription writes one log line `graphql subscription` when it ends, refused ones
 *   included (see {@link SubscriptionOutcome}); never its variables, its text or credentials.
 */
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import {
  type DocumentNode,
  type ExecutionResult,
  type FormattedExecutionResult,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  getOperationAST,
  parse,
  validate,
} from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { TOO_MANY_SUBSCRIPTIONS, createErrorFormatter } from '../../subgraphs/kit/errors';
import { ASSERTION_HEADER, type Identity } from '../../subgraphs/kit/identity';
import type { Logger } from '../../subgraphs/kit/logger';
import type { AssertionCache } from '../assertions';
import type { Authenticator } from '../auth';
import type { GatewayConfig } from '../config';
import { type GatewayContext, SUBGRAPH_UNAVAILABLE, type SubgraphDataSource } from '../datasource';
import {
  OPERATION_NOT_SUPPORTED,
  type ExecutablePlan,
  type LoadedSupergraph,
  type PreparedOperation,
  RESPONSE_VALIDATION_FAILED,
  type SubscriptionEvent,
  type SubscriptionNode,
  executeSubscriptionEvent,
  prepare,
} from '../execution';
import { checkOperationLimits } from '../limits';
import { operationId } from '../operations';
import type { GatewayMetrics } from '../metrics';

/** Code of the error ending a subscription because the gateway loaded a new supergraph. */
export const SUPERGRAPH_RELOADED = 'SUPERGRAPH_RELOADED';

/** Code of a refused operation outside the trusted-documents manifest (as on the HTTP path). */
const OPERATION_NOT_TRUSTED = 'OPERATION_NOT_TRUSTED';

/**
 * Codes the gateway's own errors carry that clients may read (as stages/graphql.ts lets through
 * on the HTTP path); the kit's client codes pass as well, every other error is masked.
 */
const GATEWAY_CLIENT_CODES = new Set([
  SUBGRAPH_UNAVAILABLE,
  'OPERATION_LIMIT_EXCEEDED',
  OPERATION_NOT_SUPPORTED,
  RESPONSE_VALIDATION_FAILED,
  TOO_MANY_SUBSCRIPTIONS,
  SUPERGRAPH_RELOADED,
  OPERATION_NOT_TRUSTED,
  'SERVICE_UNAVAILABLE',
]);

/** Why the gateway ends a session before its client does. */
export type EndReason = 'revoked' | 'reloaded' | 'shutdown';

/**
 * How a subscription ended, as its log line says: its subgraph completed it (`complete`), its
 * client completed it or went away (`client`), it failed (`error`), the gateway ended its
 * session ({@link EndReason}), or it was refused before it started (`rejected`).
 */
export type SubscriptionOutcome = 'complete' | 'client' | 'error' | 'rejected' | EndReason;

/** Longest client-chosen subscription id written to the log line. */
const MAX_LOGGED_ID = 64;

/** What the core needs from the gateway's build. */
export interface SubscriptionCoreOptions {
  config: Pick<
    GatewayConfig,
    | 'executor'
    | 'limits'
    | 'subscriptionsPerConnection'
    | 'subscriptionsPerCredential'
    | 'subscriptionsPerIp'
    | 'credentialCacheTtlSeconds'
    | 'nodeEnv'
  >;
  logger: Logger;
  metrics: GatewayMetrics;
  authenticator: Authenticator;
  assertions: AssertionCache;
  /** The supergraph our executor runs now (undefined before the first load, or with Apollo's executor). */
  supergraph: () => LoadedSupergraph | undefined;
  /** Each subgraph's HTTP URL, by its name in the supergraph; its WebSocket is the same URL. */
  subgraphUrl: (name: string) => string | undefined;
  /** The subgraphs' HTTP clients, for the fetches of each event's `rest`. */
  dataSources: (name: string) => SubgraphDataSource | undefined;
  /**
   * The trusted-documents manifest (`TRUSTED_DOCUMENTS`, id → text): when set, only its operations
   * are subscribed (over SSE, the pipeline's documents stage has already checked and replaced hashes).
   */
  manifest?: Map<string, string>;
}

/** Who a session is, as its transport learned it when the client connected. */
export interface SessionInit {
  /** The transport the session runs on, for the log lines of its subscriptions. */
  transport: 'ws' | 'sse';
  identity: Identity;
  /** The `Authorization` value as sent (checked again on the credential-cache period); none is anonymous. */
  authorization: string | undefined;
  /** The client's address (Express's `req.ip`, so behind `TRUST_PROXY` the forwarded one). */
  ip: string;
  requestId: string;
  acceptLanguage: string | undefined;
  /** Ends the session in the transport's terms (a close code, a last error event). */
  end: (reason: EndReason, error: GraphQLError) => void;
  /** Told each time a subscription of the session starts or ends (the WebSocket's idle timer). */
  onRunningChange?: (running: number) => void;
}

/** A client's session: one WebSocket connection, or one SSE request. */
export interface Session extends SessionInit {
  /** The subscriptions running on it, by the transport's id. */
  readonly running: Map<string, ActiveSubscription>;
  /** One graphql-ws client per subgraph this session subscribes on, opened on first use. */
  readonly upstream: Map<string, Client>;
}

/** One subscription admitted by {@link SubscriptionCore.prepare}, counted until released. */
export interface ActiveSubscription {
  readonly session: Session;
  readonly document: DocumentNode;
  readonly operationName: string | undefined;
  /** The client's variables as sent. */
  readonly sentVariables: Record<string, unknown>;
  /** Uncounts it (idempotent); called however it ends. */
  release: () => void;
  /** Ends its event stream with one last result carrying `errors` (then the stream completes). */
  finish: (errors: readonly GraphQLError[]) => void;
}

/** The GraphQL request as a client sends it on any transport. */
export interface SubscribePayload {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

interface Internal {
  node: SubscriptionNode;
  loaded: LoadedSupergraph;
  prepared: PreparedOperation;
  variables: Record<string, unknown>;
  /** Set by `finish`: the result the stream ends with. */
  final?: ExecutionResult;
  /** Completes the upstream subscription once it is open. */
  stopUpstream?: () => Promise<void>;
  /** The operation's name (as resolved, not as sent), for the log line. */
  operation: string | null;
  /** When `prepare` began (`performance.now()`). */
  started: number;
  /** Results handed to the transport (a last error result ending the subscription is not counted). */
  events: number;
  /** The first known cause of its end (a session the gateway ends overrides it). */
  outcome?: 'complete' | 'client' | 'error';
  /** With `error`: the codes of the errors it ended with. */
  errorCodes?: string[];
}

/** A coded error. */
export function coded(message: string, code: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

/** The transport-independent side of gateway subscriptions (see the module comment). */
export class SubscriptionCore {
  private readonly sessions = new Set<Session>();
  private readonly perCredential = new Map<string, number>();
  private readonly perIp = new Map<string, number>();
  private readonly internals = new WeakMap<ActiveSubscription, Internal>();
  /** Why the gateway ended a session, noted before its transport ends it (for the log lines). */
  private readonly endedBy = new WeakMap<Session, EndReason>();
  private readonly sweep: NodeJS.Timeout;
  private sweeping = false;
  private readonly formatOne: (error: GraphQLError) => GraphQLFormattedError;

  constructor(private readonly options: SubscriptionCoreOptions) {
    const { config, logger } = options;
    const production = config.nodeEnv === 'production';
    const maskInternal = createErrorFormatter((error) => logger.error({ err: error }, 'unexpected subscription error'));
    // As the HTTP path formats errors: subgraph names removed, internal errors masked.
    this.formatOne = (error) => {
      // An error thrown inside the event stream reaches here wrapped by graphql-ws, its code in the original.
      const original = error.originalError instanceof GraphQLError ? error.originalError : error;
      const { serviceName, ...extensions } = original.toJSON().extensions ?? {};
      const code = extensions.code as string | undefined;
      let result: GraphQLFormattedError = { ...original.toJSON(), extensions };
      const borrowed = code === RESPONSE_VALIDATION_FAILED && serviceName !== undefined;
      if (!code || borrowed || !GATEWAY_CLIENT_CODES.has(code)) result = maskInternal(result, original);
      if (production) result = { ...result, message: result.message.replace(/ ?Did you mean .*\?$/, '') };
      return result;
    };
    // Revocation: live sessions are checked on the period after which a cached check expires.
    this.sweep = setInterval(() => void this.recheckCredentials(), config.credentialCacheTtlSeconds * 1000);
    this.sweep.unref();
  }

  /** The identity of an `Authorization` value; throws the HTTP path's coded refusal (401, 503). */
  authenticate(authorization: string | undefined): Promise<Identity> {
    return this.options.authenticator.authenticate(authorization);
  }

  /** Registers a session, so that revocation, reloads and shutdown reach it. */
  open(init: SessionInit): Session {
    const session: Session = {
      ...init,
      // Noted first: the transport's ending releases the subscriptions, whose log lines say why.
      end: (reason, error) => {
        if (!this.endedBy.has(session)) this.endedBy.set(session, reason);
        init.end(reason, error);
      },
      running: new Map(),
      upstream: new Map(),
    };
    this.sessions.add(session);
    return session;
  }

  /** Releases a session's subscriptions and closes its upstream clients; the transport has ended it. */
  async close(session: Session): Promise<void> {
    this.sessions.delete(session);
    for (const active of [...session.running.values()]) active.release();
    const upstream = [...session.upstream.values()];
    session.upstream.clear();
    await Promise.all(upstream.map((client) => client.dispose()));
  }

  /** Ends every session: a new supergraph (`reloaded`) or the gateway going away (`shutdown`). */
  endAll(reason: Exclude<EndReason, 'revoked'>): void {
    const error =
      reason === 'reloaded'
        ? coded('the gateway loaded a new version of the graph: subscribe again', SUPERGRAPH_RELOADED)
        : coded('the gateway is shutting down: subscribe again', 'SERVICE_UNAVAILABLE');
    for (const session of [...this.sessions]) session.end(reason, error);
  }

  /** Stops the credential checks; the transports end their sessions themselves. */
  stop(): void {
    clearInterval(this.sweep);
  }

  /**
   * Admits one subscription of `session` (the module comment says what is checked) or answers
   * why not, as coded errors (logged as `rejected`). `notSubscription` is the transport's message
   * for a query or mutation.
   */
  prepare(
    session: Session,
    id: string,
    payload: SubscribePayload,
    notSubscription: (kind: 'query' | 'mutation') => string,
  ): ActiveSubscription | GraphQLError[] {
    const started = performance.now();
    const admitted = this.admitOrRefuse(session, id, payload, notSubscription, started);
    if (Array.isArray(admitted)) {
      this.logEnd(session, id, payload.operationName ?? null, started, 0, 'rejected', codesOf(admitted));
    }
    return admitted;
  }

  /** {@link prepare}'s checks, unlogged. */
  private admitOrRefuse(
    session: Session,
    id: string,
    payload: SubscribePayload,
    notSubscription: (kind: 'query' | 'mutation') => string,
    started: number,
  ): ActiveSubscription | GraphQLError[] {
    const { config, logger } = this.options;
    if (config.executor !== 'ours') {
      return [
        coded(
          "subscriptions need the gateway's own executor: this gateway runs Apollo's (GATEWAY_EXECUTOR=apollo)",
          OPERATION_NOT_SUPPORTED,
        ),
      ];
    }
    if (this.options.manifest && !this.options.manifest.has(operationId(payload.query))) {
      return [coded('this gateway runs trusted operations only: register the operation', OPERATION_NOT_TRUSTED)];
    }
    const loaded = this.options.supergraph();
    if (!loaded) return [coded('the gateway has not loaded its supergraph yet', 'SERVICE_UNAVAILABLE')];
    let document: DocumentNode;
    try {
      document = parse(payload.query, { maxTokens: config.limits.maxTokens });
    } catch (error) {
      return [withCode(error as GraphQLError, 'GRAPHQL_PARSE_FAILED')];
    }
    const invalid = validate(loaded.apiSchema, document);
    if (invalid.length > 0) return invalid.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED'));
    const operationName = payload.operationName ?? undefined;
    const operation = getOperationAST(document, operationName);
    if (!operation) {
      return [
        coded(
          operationName
            ? `unknown operation named "${operationName}": operationName must name an operation in the document`
            : 'the document holds several operations: send operationName to choose one',
          'OPERATION_RESOLUTION_FAILURE',
        ),
      ];
    }
    if (operation.operation !== 'subscription') {
      return [coded(notSubscription(operation.operation), OPERATION_NOT_SUPPORTED)];
    }
    const sentVariables = payload.variables ?? {};
    let variables: Record<string, unknown>;
    try {
      variables = checkOperationLimits(loaded.apiSchema, document, operation, sentVariables, config.limits);
    } catch (error) {
      if (error instanceof GraphQLError) return [withoutHttp(error)];
      throw error;
    }
    const overCap = this.overCap(session);
    if (overCap) return [coded(overCap, TOO_MANY_SUBSCRIPTIONS)];
    let plan: ExecutablePlan;
    try {
      plan = loaded.planner.plan(document, operationName);
    } catch (error) {
      logger.error({ err: error }, 'query planning failed');
      return [coded('the gateway could not plan this operation', 'QUERY_PLANNING_FAILED')];
    }
    if (plan.node?.kind !== 'Subscription') {
      return [coded('this subscription selects nothing a subgraph delivers', OPERATION_NOT_SUPPORTED)];
    }
    if (!this.options.subgraphUrl(plan.node.primary.serviceName)) {
      return [coded('part of the graph is not available for subscriptions', SUBGRAPH_UNAVAILABLE)];
    }
    return this.admit(session, id, {
      document,
      operationName,
      sentVariables,
      internal: {
        node: plan.node,
        loaded,
        prepared: prepare(loaded, document, operationName),
        variables,
        operation: operation.name?.value ?? null,
        started,
        events: 0,
      },
    });
  }

  /** The API schema an admitted subscription was validated against. */
  schemaOf(active: ActiveSubscription): GraphQLSchema {
    const internal = this.internals.get(active);
    if (!internal) throw new Error('schema of a subscription the core did not admit');
    return internal.loaded.apiSchema;
  }

  /** The events of an admitted subscription, completed by the plan's `rest`; ends by releasing it. */
  events(active: ActiveSubscription): AsyncIterableIterator<ExecutionResult> {
    const found = this.internals.get(active);
    if (!found) throw new Error('events of a subscription the core did not admit');
    const internal: Internal = found;
    const { node, loaded, prepared } = internal;
    const { session } = active;
    const { assertions, logger } = this.options;
    const upstream = this.upstreamOf(session, node.primary.serviceName).iterate<Record<string, unknown>>({
      query: node.primary.operation,
      variables: Object.fromEntries(
        (node.primary.variableUsages ?? [])
          .filter((name) => active.sentVariables[name] !== undefined)
          .map((name) => [name, active.sentVariables[name]]),
      ),
      ...(node.primary.operationName ? { operationName: node.primary.operationName } : {}),
    });
    internal.stopUpstream = async () => void (await upstream.return?.());
    // Ended before it started (revoked, reloaded while being admitted): end now.
    if (internal.final) void internal.stopUpstream();
    const environment = { ...loaded, dataSources: this.options.dataSources };
    async function* events(): AsyncGenerator<ExecutionResult, void, undefined> {
      try {
        for await (const event of upstream) {
          if (internal.final) break;
          const context: GatewayContext = {
            requestId: session.requestId,
            acceptLanguage: session.acceptLanguage,
            identity: session.identity,
            assertion: await assertions.get(session.identity),
          };
          // The executor reads only the request's variables and the context of a request
          // (fetch.ts `fetchTarget`, `send`); a subscription event has no Apollo request.
          const requestContext = {
            request: { variables: active.sentVariables },
            context,
          } as unknown as GatewayGraphQLRequestContext;
          const result = await executeSubscriptionEvent(
            node,
            event as SubscriptionEvent,
            environment,
            requestContext,
            internal.variables,
            prepared.operation,
            prepared.fragments,
            prepared.shaper,
          );
          if (internal.final) break;
          internal.events += 1;
          yield result as ExecutionResult;
        }
        // Not ended by the gateway (`final`) nor by the client (noted by `return`): by the subgraph.
        if (!internal.final) internal.outcome ??= 'complete';
      } catch (error) {
        if (!internal.final) {
          const errors = upstreamFailure(error);
          internal.outcome ??= 'error';
          internal.errorCodes ??= codesOf(errors);
          if (errors[0]?.extensions.code === SUBGRAPH_UNAVAILABLE) {
            logger.warn(
              { subgraph: node.primary.serviceName, requestId: session.requestId, err: error },
              'subscription to a subgraph failed',
            );
          }
          yield { errors };
        }
      } finally {
        active.release();
      }
      if (internal.final) yield internal.final;
    }
    const generator = events();
    return {
      next: () => generator.next(),
      // A generator waiting for the subgraph's next event would only see `return` after that
      // event: completing the upstream subscription first ends the wait now.
      return: async () => {
        // Noted before the upstream stops, which ends the loop above as a completion would.
        internal.outcome ??= 'client';
        await internal.stopUpstream?.();
        active.release();
        return generator.return(undefined);
      },
      throw: async (error: unknown) => {
        internal.outcome ??= 'client';
        await internal.stopUpstream?.();
        active.release();
        return generator.throw(error);
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** A result as the client reads it (errors formatted and masked), counted as an event. */
  deliver(result: ExecutionResult): FormattedExecutionResult {
    this.options.metrics.subscriptionEvents.inc({ outcome: result.errors ? 'error' : 'ok' });
    return this.formatResult(result);
  }

  /** A result as the client reads it: errors formatted and masked. */
  formatResult(result: ExecutionResult): FormattedExecutionResult {
    return result.errors ? { ...result, errors: this.format(result.errors) } : (result as FormattedExecutionResult);
  }

  /** Errors as the client reads them: subgraph names removed, internal errors masked. */
  format(errors: readonly GraphQLError[]): GraphQLFormattedError[] {
    return errors.map(this.formatOne);
  }

  /** Why one more subscription of `session` is over a cap, or undefined. */
  private overCap(session: Session): string | undefined {
    const { subscriptionsPerConnection, subscriptionsPerCredential, subscriptionsPerIp } = this.options.config;
    if (session.running.size >= subscriptionsPerConnection) {
      return `a connection may hold at most ${subscriptionsPerConnection} subscriptions at once: complete one before starting another`;
    }
    const credential = credentialOf(session);
    if ((this.perCredential.get(credential) ?? 0) >= subscriptionsPerCredential) {
      const who = session.identity.keyId ? 'this API key (and its access tokens)' : 'anonymous clients at your address';
      return `${who} may hold at most ${subscriptionsPerCredential} subscriptions open on this gateway at once: complete one before starting another`;
    }
    if ((this.perIp.get(session.ip) ?? 0) >= subscriptionsPerIp) {
      return `clients at your address may hold at most ${subscriptionsPerIp} subscriptions open on this gateway at once: complete one before starting another`;
    }
    return undefined;
  }

  private admit(
    session: Session,
    id: string,
    parts: Pick<ActiveSubscription, 'document' | 'operationName' | 'sentVariables'> & { internal: Internal },
  ): ActiveSubscription {
    const { metrics } = this.options;
    const credential = credentialOf(session);
    const ip = session.ip;
    bump(this.perCredential, credential, 1);
    bump(this.perIp, ip, 1);
    metrics.subscriptions.inc();
    const internal = parts.internal;
    let released = false;
    const active: ActiveSubscription = {
      session,
      document: parts.document,
      operationName: parts.operationName,
      sentVariables: parts.sentVariables,
      release: () => {
        if (released) return;
        released = true;
        bump(this.perCredential, credential, -1);
        bump(this.perIp, ip, -1);
        metrics.subscriptions.dec();
        if (session.running.get(id) === active) session.running.delete(id);
        session.onRunningChange?.(session.running.size);
        // No cause noted: the transport released it (the client's `complete`, or its connection closed).
        const outcome = this.endedBy.get(session) ?? internal.outcome ?? 'client';
        const codes = outcome === 'error' ? internal.errorCodes : undefined;
        this.logEnd(session, id, internal.operation, internal.started, internal.events, outcome, codes);
      },
      finish: (errors) => {
        if (internal.final) return;
        internal.final = { errors };
        void internal.stopUpstream?.();
      },
    };
    this.internals.set(active, internal);
    session.running.set(id, active);
    session.onRunningChange?.(session.running.size);
    return active;
  }

  /**
   * The one log line of a subscription, when it ends (`released` guards it) or is refused: who,
   * which operation, how long, how many results and how it ended; never its variables or text.
   */
  private logEnd(
    session: Session,
    id: string,
    operation: string | null,
    started: number,
    events: number,
    outcome: SubscriptionOutcome,
    errorCodes: string[] | undefined,
  ): void {
    this.options.logger.info(
      {
        requestId: session.requestId,
        subscriptionId: id.slice(0, MAX_LOGGED_ID),
        transport: session.transport,
        operation,
        member: session.identity.memberId ?? null,
        role: session.identity.role ?? null,
        durationMs: Math.round(performance.now() - started),
        events,
        outcome,
        ...(errorCodes?.length ? { errorCodes } : {}),
      },
      'graphql subscription',
    );
  }

  /** The session's client of `subgraph`, opened with the session's identity on first use. */
  private upstreamOf(session: Session, subgraph: string): Client {
    let client = session.upstream.get(subgraph);
    if (client) return client;
    const url = this.options.subgraphUrl(subgraph);
    if (!url) throw coded('part of the graph is not available for subscriptions', SUBGRAPH_UNAVAILABLE);
    const { assertions } = this.options;
    client = createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      // A fresh assertion each time the connection opens: the subgraph checks it then.
      connectionParams: async () => ({
        [ASSERTION_HEADER]: await assertions.get(session.identity),
        'x-request-id': session.requestId,
        ...(session.acceptLanguage ? { 'accept-language': session.acceptLanguage } : {}),
      }),
      // No silent reconnection: events published while away would be missed; the client is told
      // (SUBGRAPH_UNAVAILABLE) and resubscribes.
      retryAttempts: 0,
      lazyCloseTimeout: 0,
    });
    session.upstream.set(subgraph, client);
    return client;
  }

  /**
   * Checks the credential of every authenticated session with the identity subgraph (one check
   * per distinct credential, past the cache); ends the sessions of refused ones. A check that
   * cannot be made (identity subgraph down) keeps the sessions: they were authenticated, and an
   * outage of the identity service must not cut every live subscription.
   */
  private async recheckCredentials(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const byCredential = new Map<string, Session[]>();
      for (const session of this.sessions) {
        if (session.authorization === undefined || session.authorization.trim() === '') continue;
        const list = byCredential.get(session.authorization) ?? [];
        list.push(session);
        byCredential.set(session.authorization, list);
      }
      for (const [authorization, sessions] of byCredential) {
        try {
          await this.options.authenticator.authenticate(authorization, { fresh: true });
        } catch (error) {
          const code = error instanceof GraphQLError ? error.extensions.code : undefined;
          if (code !== 'UNAUTHENTICATED') {
            this.options.logger.warn({ err: error }, 'credential re-check of live subscriptions failed; kept');
            continue;
          }
          const refusal = coded((error as GraphQLError).message, 'UNAUTHENTICATED');
          for (const session of sessions) if (this.sessions.has(session)) session.end('revoked', refusal);
        }
      }
    } finally {
      this.sweeping = false;
    }
  }
}

/** The key a session's subscriptions are counted under: its API key, else (anonymous) its address. */
function credentialOf(session: Session): string {
  return session.identity.keyId ? `key:${session.identity.keyId}` : `anonymous:${session.ip}`;
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next <= 0) counts.delete(key);
  else counts.set(key, next);
}

/**
 * What the client reads when the subgraph's side of its subscription fails: the subgraph's own
 * errors (refused operation), or `SUBGRAPH_UNAVAILABLE` when the subgraph went away or could not
 * be reached.
 */
function upstreamFailure(error: unknown): GraphQLError[] {
  if (Array.isArray(error) && error.every((e) => typeof e === 'object' && e !== null && 'message' in e)) {
    return (error as GraphQLFormattedError[]).map(
      (e) =>
        new GraphQLError(e.message, {
          extensions: { ...e.extensions, code: e.extensions?.code ?? 'DOWNSTREAM_SERVICE_ERROR' },
        }),
    );
  }
  return [
    coded(
      'part of the graph went away or could not be reached: this subscription has ended, subscribe again',
      SUBGRAPH_UNAVAILABLE,
    ),
  ];
}

/** The distinct codes of `errors`, in order (`UNKNOWN` for an uncoded one). */
function codesOf(errors: readonly GraphQLError[]): string[] {
  return [...new Set(errors.map((error) => String(error.extensions.code ?? 'UNKNOWN')))];
}

/** The error with `extensions.code` set, so that the formatter shows it to the client. */
function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, code },
  });
}

/** A refusal of the HTTP path without its HTTP status, which means nothing to a subscription. */
function withoutHttp(error: GraphQLError): GraphQLError {
  const { http: _http, ...extensions } = error.extensions;
  return new GraphQLError(error.message, { nodes: error.nodes, extensions });
}
