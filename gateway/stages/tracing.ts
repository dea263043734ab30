import { context, trace } from '@opentelemetry/api';
import type { ApolloServerPlugin } from '@apollo/server';
import { type Tracing, endRequestSpan, failSpan, startRequestSpan, traceIdOf } from '../../subgraphs/kit/tracing';
import type { GatewayContext } from '../datasource';
import type { GatewayStage } from '../stage';
import { recordOf } from './response';

/**
 * Traces (`OTEL_EXPORTER_OTLP_ENDPOINT`; in the pipeline only then): each request to `/graphql`
 * becomes a SERVER span `POST /graphql`, continuing the client's trace when it sends a
 * well-formed `traceparent` (parent-based sampling: the client's sampled flag is kept), with the
 * operation's name and type, the error codes answered and the HTTP status. Its context is the
 * request's from here on, so the spans made further on are its children: Apollo Server's parse
 * and validation (`graphql.parse`, `graphql.validate`: only for a document not in its cache yet),
 * the plan (`graphql.plan`, `execution/index.ts`) and each subgraph fetch (`fetch <subgraph>`,
 * `datasource.ts`, which sends `traceparent` on). The trace id goes into the record, so that the
 * log line and the errors' `extensions` carry it (`response.ts`). Refuses nothing.
 */
export function tracingStage(tracing: Tracing): GatewayStage {
  return {
    name: 'tracing',
    onRequest: [
      (req, res, next) => {
        // A CORS preflight is the browser's question, not a GraphQL request (neither logged nor counted either).
        if (req.method === 'OPTIONS') return next();
        const record = recordOf(res);
        const { span, context: requestContext } = startRequestSpan(tracing, `${req.method} /graphql`, req, {
          'alliance.request_id': record.requestId,
        });
        record.traceId = traceIdOf(span);
        let ended = false;
        const end = (): void => {
          if (ended) return;
          ended = true;
          if (record.operationName) span.setAttribute('graphql.operation.name', record.operationName);
          if (record.errorCodes.length) span.setAttribute('graphql.error.codes', record.errorCodes);
          if (record.stage && res.statusCode >= 400) span.setAttribute('alliance.refused_by', record.stage);
          endRequestSpan(span, res.writableFinished ? res.statusCode : undefined);
        };
        res.once('finish', end);
        res.once('close', end);
        // The body parser calls on from the request stream's events: they run in the request's context too.
        context.bind(requestContext, req);
        context.with(requestContext, next);
      },
    ],
    plugins: [tracingPlugin(tracing)],
  };
}

/** Spans of Apollo Server's parse and validation, and the operation's name and type on the request's span. */
function tracingPlugin(tracing: Tracing): ApolloServerPlugin<GatewayContext> {
  const phase = (name: string) => {
    const span = tracing.tracer.startSpan(name);
    return async (error?: unknown): Promise<void> => {
      // Parse and validation errors are the client's: counted, never quoted (they may quote the document).
      const errors = Array.isArray(error) ? error : error ? [error] : [];
      if (errors.length) {
        failSpan(span, errors[0]);
        span.setAttribute('graphql.errors', errors.length);
      }
      span.end();
    };
  };
  return {
    async requestDidStart() {
      return {
        async parsingDidStart() {
          return phase('graphql.parse');
        },
        async validationDidStart() {
          return phase('graphql.validate');
        },
        async didResolveOperation({ operation, operationName }) {
          const span = trace.getSpan(context.active());
          if (!span) return;
          if (operation) span.setAttribute('graphql.operation.type', operation.operation);
          if (operationName) span.setAttribute('graphql.operation.name', operationName);
        },
      };
    },
  };
}
