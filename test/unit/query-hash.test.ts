import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { hashQueriesOnce } from '../../subgraphs/kit/query-hash';

/** The createHash Apollo Server uses (looked up from Apollo Server, as the kit does). */
const apolloHash = () =>
  (
    createRequire(require.resolve('@apollo/server'))('@apollo/utils.createhash') as {
      createHash: (kind: string) => crypto.Hash;
    }
  ).createHash;

describe("Apollo Server's query hash in subgraphs", () => {
  beforeAll(() => hashQueriesOnce());

  it('gives the digests Node gives, remembered or not, whatever the updates and encodings', () => {
    const createHash = apolloHash();
    const query = 'query($representations:[_Any!]!){_entities(representations:$representations){__typename}}';
    const expected = crypto.createHash('sha256').update(query).digest('hex');
    expect(createHash('sha256').update(query).digest('hex')).toBe(expected);
    // A second time: remembered, the same.
    expect(createHash('sha256').update(query).digest('hex')).toBe(expected);
    expect(createHash('sha256').update('a').update('b').digest('hex')).toBe(
      crypto.createHash('sha256').update('ab').digest('hex'),
    );
    expect(createHash('sha256').update(Buffer.from(query)).digest('base64')).toBe(
      crypto.createHash('sha256').update(query).digest('base64'),
    );
    expect(createHash('sha256').update(query).digest()).toEqual(crypto.createHash('sha256').update(query).digest());
    expect(createHash('sha1').update(query).digest('hex')).toBe(crypto.createHash('sha1').update(query).digest('hex'));
  });

  it('keeps answering right past the number of texts it remembers', () => {
    const createHash = apolloHash();
    for (let i = 0; i < 1100; i += 1) {
      const text = `{ field${i} }`;
      expect(createHash('sha256').update(text).digest('hex')).toBe(
        crypto.createHash('sha256').update(text).digest('hex'),
      );
    }
  });
});
