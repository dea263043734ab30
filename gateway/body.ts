import { AsyncResource } from 'node:async_hooks';
import { isUtf8 } from 'node:buffer';
import { STATUS_CODES } from 'node:http';
import { finished } from 'node:stream';
import express, { type NextFunction, type Request, type RequestHandler } from 'express';

/**
 * An error the body parser hands to the error handlers, in the shape `http-errors` gives
 * body-parser's: `status` (= `statusCode`), `expose`, and the `type` the handlers switch on.
 */
type BodyError = Error & { status: number; statusCode: number; expose: boolean; type?: string };

/**
 * The `/graphql` body parser: `express.json({ limit, verify })` with invalid UTF-8 refused
 * (400 `encoding.invalid`), and a fast path for the request nearly every client sends.
 *
 * Why a fast path: body-parser pays, per request, for a media-type parse in type-is, another
 * for the charset, an iconv-lite decoder, debug calls and raw-body's generic stream handling:
 * about 1–1.5 % of the gateway's busy CPU in our profiles, for a body that is almost always
 * `content-type: application/json` with a `content-length`, uncompressed, UTF-8. For exactly
 * that request (see {@link takesFastPath}) the body is read here, with body-parser's rules
 * kept one by one: strict JSON (an object or an array; an empty body is `{}`), a leading BOM
 * dropped as iconv-lite drops it, `req.body` set only on success, the callback run in the
 * caller's async context (AsyncLocalStorage, OpenTelemetry) as raw-body does, and the same
 * errors, status, `type` and message, so the edge's error handler answers exactly as before.
 * Every other request (another type or charset, a compressed or chunked body, a declared
 * length over the limit, a body already read) goes to `express.json` unchanged.
 */
export function jsonBodyParser(limit: number): RequestHandler {
  const fallback = express.json({ limit, verify: refuseInvalidUtf8 });
  return function jsonBody(req, res, next) {
    if (!takesFastPath(req, limit)) return fallback(req, res, next);
    // body-parser's `read`: the property exists, undefined until the body parses.
    if (!('body' in (req as object))) req.body = undefined;
    readJson(req, Number(req.headers['content-length']), limit, next);
  };
}

/** body-parser's `verify`: a body that is not valid UTF-8 is refused instead of having bytes replaced. */
function refuseInvalidUtf8(_req: unknown, _res: unknown, buffer: Buffer): void {
  if (!isUtf8(buffer)) throw invalidUtf8();
}

const invalidUtf8 = (): Error =>
  Object.assign(new Error('request body is not valid UTF-8'), { status: 400, type: 'encoding.invalid' });

/**
 * Whether body-parser would read this request as UTF-8 JSON of a declared length within the
 * limit, with nothing to inflate: the only request the fast path takes. Its skips are kept by
 * sending what they concern to body-parser: a finished request (`on-finished`'s test), one
 * without a body or with `transfer-encoding` (`type-is`'s `hasBody`), a stream already set to
 * decode (raw-body's 500s).
 */
export function takesFastPath(req: Request, limit: number): boolean {
  const headers = req.headers;
  const length = headers['content-length'];
  if (length === undefined || headers['transfer-encoding'] !== undefined) return false;
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding !== '' && encoding.toLowerCase() !== 'identity') return false;
  const type = headers['content-type'];
  if (type === undefined || !isUtf8Json(type)) return false;
  // Digits only (Node's parser allows nothing else): then raw-body's parseInt and Number agree.
  if (!DIGITS.test(length) || Number(length) > limit) return false;
  if (isFinished(req)) return false;
  return req.readable && req.readableEncoding === null;
}

const DIGITS = /^[0-9]+$/;

/**
 * `application/json`, bare or with `charset=utf-8`, in any case: what type-is matches as
 * `application/json` and body-parser decodes as `utf-8`. Any other spelling (quotes, spaces,
 * other parameters) is left to body-parser's own parsing.
 */
function isUtf8Json(type: string): boolean {
  if (type === 'application/json' || type === 'application/json; charset=utf-8') return true;
  const lower = type.toLowerCase();
  return (
    lower === 'application/json' ||
    lower === 'application/json; charset=utf-8' ||
    lower === 'application/json;charset=utf-8'
  );
}

/** raw-body's `readStream` for a request of declared `length` ≤ `limit`, then body-parser's verify and parse. */
function readJson(req: Request, length: number, limit: number, next: NextFunction): void {
  // raw-body runs its callback in the async context of the call, not in the stream events' one.
  const scope = new AsyncResource('jsonBody');
  let complete = false;
  let received = 0;
  let chunks: Buffer[] = [];

  const onData = (chunk: Buffer): void => {
    if (complete) return;
    received += chunk.length;
    // Unreachable through Node's HTTP parser, which stops at the declared length; kept as raw-body has it.
    if (received > limit) fail(bodyError(413, 'request entity too large', 'entity.too.large', { limit, received }));
    else chunks.push(chunk);
  };
  const onEnd = (error?: Error): void => {
    if (complete) return;
    if (error) return fail(asBodyError(error, 400, {}));
    if (received !== length) {
      const props = { expected: length, length, received };
      return fail(bodyError(400, 'request size did not match content length', 'request.size.invalid', props));
    }
    complete = true;
    const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    cleanup();
    scope.runInAsyncScope(parse, null, body);
  };
  const onAborted = (): void => {
    if (complete) return;
    const props = { code: 'ECONNABORTED', expected: length, length, received };
    fail(bodyError(400, 'request aborted', 'request.aborted', props));
  };
  const cleanup = (): void => {
    chunks = [];
    req.removeListener('aborted', onAborted);
    req.removeListener('data', onData);
    req.removeListener('end', onEnd);
    req.removeListener('error', onEnd);
    req.removeListener('close', cleanup);
  };
  const parse = (body: Buffer): void => {
    if (!isUtf8(body)) return next(asBodyError(invalidUtf8(), 403, { body, type: 'encoding.invalid' }));
    // iconv-lite's UTF-8 decoder drops one leading byte order mark.
    let text = body.toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    let value: unknown;
    try {
      value = parseStrictJson(text);
    } catch (error) {
      return next(asBodyError(error as Error, 400, { body: text, type: 'entity.parse.failed' }));
    }
    req.body = value;
    next();
  };
  const fail = (error: BodyError): void => {
    complete = true;
    cleanup();
    scope.runInAsyncScope(failed, null, error);
  };
  const failed = (error: BodyError): void => {
    // body-parser reads off the rest of the request before answering.
    req.unpipe();
    req.pause();
    if (isFinished(req)) return next(error);
    finished(
      req,
      AsyncResource.bind(() => next(error)),
    );
    req.resume();
  };

  req.on('aborted', onAborted);
  req.on('close', cleanup);
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', onEnd);
}

/** `on-finished`'s test for an incoming message: its body read, or its connection gone. */
function isFinished(req: Request): boolean {
  // `upgrade` is set on requests Node hands over (not typed); the socket is gone once detached.
  const socket = req.socket as typeof req.socket | null;
  return (
    (req as { upgrade?: boolean }).upgrade === true || !socket || !socket.readable || (req.complete && !req.readable)
  );
}

/** A new error as raw-body makes them with `http-errors`. */
function bodyError(status: number, message: string, type: string, props: Record<string, unknown>): BodyError {
  return Object.assign(new Error(message), { status, statusCode: status, expose: status < 500, type, ...props });
}

/**
 * `http-errors`' `createError(fallbackStatus, error, props)` for an error not of its own classes:
 * the error's status if it has one (500 if that is no error status), `expose` for 4xx, then `props`.
 */
function asBodyError(error: Error, fallbackStatus: number, props: Record<string, unknown>): BodyError {
  const own = error as Error & { status?: unknown; statusCode?: unknown };
  const candidate = own.status || own.statusCode || fallbackStatus;
  const status =
    typeof candidate === 'number' && (STATUS_CODES[candidate] !== undefined || (candidate >= 400 && candidate < 600))
      ? candidate
      : 500;
  return Object.assign(error, { expose: status < 500, status, statusCode: status }, props);
}

// body-parser's strict JSON parser (lib/types/json.js), messages included.

/** The first character that is not RFC 8259 whitespace (space, tab, line feed, carriage return). */
function firstNonWhitespace(text: string): string | undefined {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return text[i];
  }
  return undefined;
}

/** An object or an array, as body-parser's strict mode allows; an empty body is `{}`. */
function parseStrictJson(text: string): unknown {
  if (text.length === 0) return {};
  const head = text[0];
  if (head !== '{' && head !== '[') {
    const first = firstNonWhitespace(text);
    if (first !== '{' && first !== '[') throw strictViolation(text, first);
  }
  return JSON.parse(text);
}

/** The SyntaxError `JSON.parse` would raise at the first character, named as body-parser names it. */
function strictViolation(text: string, first: string | undefined): Error {
  const index = first === undefined ? -1 : text.indexOf(first);
  const partial = index === -1 ? '' : text.substring(0, index) + '#'.repeat(text.length - index);
  try {
    JSON.parse(partial);
  } catch (error) {
    const syntax = error as Error;
    const message = syntax.message.replace(/#+/g, (placeholder) => text.substring(index, index + placeholder.length));
    syntax.stack = (syntax.stack ?? '').replace(syntax.message, message);
    syntax.message = message;
    return syntax;
  }
  return new SyntaxError('strict violation'); // unreachable: `partial` never parses
}
