import { Writable } from 'node:stream';
import { createLogger } from '../../subgraphs/kit/logger';

/** A logger at its most verbose level whose lines are kept for the test. */
function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { logger: createLogger('test', 'trace', stream), text: () => text };
}

describe('the kit logger', () => {
  const KEY = `alk_0badc0de_${'k'.repeat(43)}`;
  const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtIn0.c2lnbmF0dXJl';

  it('redacts authorization headers, assertions, cookies and credential fields wherever a request or check is logged', () => {
    const { logger, text } = capture();
    const headers = { authorization: `Bearer ${KEY}`, 'x-gateway-assertion': JWT, cookie: `session=${JWT}` };
    logger.trace({ req: { method: 'POST', headers } }, 'incoming');
    logger.debug({ headers }, 'outgoing');
    logger.info({ request: { headers } }, 'fetch');
    logger.warn({ body: { apiKey: KEY }, token: JWT, assertion: JWT, authorization: `Bearer ${KEY}` }, 'check');
    logger.error({ credential: { accessToken: JWT, secret: KEY, password: KEY, access_token: JWT } }, 'token');
    const lines = text().trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(text()).not.toContain(KEY);
    expect(text()).not.toContain('eyJ');
    // What is not a credential stays readable.
    expect(JSON.parse(lines[0]!)).toMatchObject({
      req: { method: 'POST', headers: { authorization: '[redacted]', 'x-gateway-assertion': '[redacted]' } },
    });
  });
});
