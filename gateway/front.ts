import http from 'node:http';
import type { ErrorRequestHandler, Express, NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../subgraphs/kit/logger';
import { assignRequestId, refuse } from './stages/response';

/** What the front hands `/graphql` to: the pipeline's handlers (`pipeline.ts`) and what Express runs after them. */
export interface GraphQLRoute {
  /** The pipeline's handlers as one (`Pipeline.handler`). */
  handler: RequestHandler;
  /** The stages' error handlers (`Pipeline.errorHandlers`), run in order on an error the handlers pass on. */
  errorHandlers: readonly ErrorRequestHandler[];
  /** Answers a request the handlers pass on without answering (the app's 404). */
  notFound: RequestHandler;
  /** Requests of `/graphql` that a route of the app answers before the pipeline (the explorer's page). */
  leaveToApp?: (req: Request) => boolean;
}

/** The public listener with its lean front for `/graphql` (see {@link publicServer}). */
export interface PublicServer {
  httpServer: http.Server;
  /** From now on, requests of `/graphql` go to `route` without Express's app and router. */
  serveGraphQL: (route: GraphQLRoute) => void;
}

/**
 * The public HTTP listener. Requests of the path `/graphql` (any method, with or without a query
 * string) go straight to the pipeline's handlers; everything else (and `/graphql` spelled otherwise:
 * `/GraphQL`, `/graphql/`, an absolute URL) goes to the Express `app`, which mounts the same pipeline
 * on `/graphql`, so that every request is answered as before.
 *
 * Why: for every request Express's app changes the prototypes of the request and the response
 * (`Object.setPrototypeOf`, which also makes V8 drop its fast paths for them), makes a final-handler
 * closure, and its router matches the path against each layer it passes, parsing and rewriting the
 * URL: together a few per cent of the gateway's CPU per operation. Here the requests and responses
 * are made by Node with Express's request and response prototypes (`app.request`, `app.response`)
 * from the start, so the stages keep Express's helpers (`req.ip` with `trust proxy`, `req.query`,
 * `res.status`, `res.set`, `res.json`, `res.send`) unchanged, and the front does for `/graphql` what
 * the app and its router did: the request id (the app's first handler), `req.res`, `res.locals`,
 * `req.originalUrl`, `req.baseUrl` and `req.url` as `app.use('/graphql', ...)` sets them; then
 * the 404 for a request no handler answered, and the stages' error handlers for an error.
 */
export function publicServer(app: Express, logger: Logger): PublicServer {
  // Node makes every request and response with Express's prototypes (whose own prototypes are
  // Node's): Express's app, for the requests it still handles, sets the same ones again.
  class FrontRequest extends http.IncomingMessage {}
  class FrontResponse extends http.ServerResponse {
    // As the app sets it on its first request, before any handler.
    locals: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  }
  Object.setPrototypeOf(FrontRequest.prototype, app.request);
  Object.setPrototypeOf(FrontResponse.prototype, app.response);
  let route: GraphQLRoute | undefined;

  /** After the handlers: as the router goes on to the app's later layers (the 404, then the error handlers). */
  const afterHandlers = (req: Request, res: Response, error: unknown): void => {
    if (error === undefined || error === null || error === 'route' || error === 'router')
      return void route!.notFound(req, res, () => finalHandler(req, res, undefined));
    let index = 0;
    const next: NextFunction = (passed?: unknown) => {
      if (passed === undefined || passed === null || passed === 'route' || passed === 'router')
        return finalHandler(req, res, undefined);
      const handler = route!.errorHandlers[index++];
      if (!handler) return finalHandler(req, res, passed);
      try {
        handler(passed, req, res, next);
      } catch (thrown) {
        next(thrown);
      }
    };
    next(error);
  };

  /**
   * What Express's final handler does with what nothing answered: an error after the answer began
   * ends the connection (the stages' error handlers pass on only those); the error is logged
   * through the gateway's logger (Express prints it to stderr). The rest cannot happen with the
   * pipeline's stages (its error handlers answer every error before the answer begins, its last
   * handler answers every request) and is answered as coded JSON, not Express's HTML page.
   */
  const finalHandler = (req: Request, res: Response, error: unknown): void => {
    if (error !== undefined) logger.error({ err: error }, 'unexpected HTTP error');
    if (res.headersSent) {
      if (error !== undefined) req.socket.destroy();
      return;
    }
    if (error !== undefined) refuse(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
    else refuse(res, 404, 'NOT_FOUND', 'no such endpoint');
  };

  const serve = (req: Request, res: Response): void => {
    req.res = res;
    const url = req.url;
    // As the router sets them for a handler mounted with `app.use('/graphql', ...)`.
    req.originalUrl = url;
    req.baseUrl = '/graphql';
    req.url = `/${url.slice(GRAPHQL_PATH.length)}`;
    assignRequestId(req, res, () =>
      route!.handler(req, res, (error?: unknown) => {
        req.url = url;
        req.baseUrl = '';
        afterHandlers(req, res, error);
      }),
    );
  };

  const httpServer = http.createServer(
    { IncomingMessage: FrontRequest, ServerResponse: FrontResponse },
    (incoming, outgoing) => {
      const req = incoming as unknown as Request;
      if (route && isGraphQLPath(incoming.url) && !route.leaveToApp?.(req))
        return serve(req, outgoing as unknown as Response);
      void app(incoming, outgoing);
    },
  );
  return {
    // Node's types cannot say that a server's responses are of a subclass of ServerResponse
    // without generics the rest of the gateway would have to carry; they are ServerResponses.
    httpServer: httpServer as unknown as http.Server,
    serveGraphQL: (served) => {
      route = served;
    },
  };
}

const GRAPHQL_PATH = '/graphql';

/** Whether `url` is the path `/graphql` as clients send it, with or without a query string. */
function isGraphQLPath(url: string | undefined): boolean {
  return (
    url !== undefined &&
    url.startsWith(GRAPHQL_PATH) &&
    (url.length === GRAPHQL_PATH.length || url.charCodeAt(GRAPHQL_PATH.length) === QUESTION_MARK)
  );
}

const QUESTION_MARK = 0x3f;
