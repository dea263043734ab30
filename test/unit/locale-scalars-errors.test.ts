import { GraphQLError } from 'graphql';
import { negotiateLocale } from '../../subgraphs/kit/locale';
import { DateScalar, DateTimeScalar } from '../../subgraphs/kit/scalars';
import { createErrorFormatter } from '../../subgraphs/kit/errors';

describe('locale negotiation', () => {
  it.each([
    [undefined, 'en'],
    ['', 'en'],
    ['zh-CN,zh;q=0.9,en;q=0.8', 'zh-CN'],
    ['zh', 'zh-CN'],
    ['zh-Hans-CN', 'zh-CN'],
    ['en-US,en;q=0.9', 'en'],
    ['fr-FR, zh;q=0.5', 'zh-CN'],
    ['fr-FR', 'en'],
    ['en;q=0.2, zh-CN;q=0.8', 'zh-CN'],
  ])('answers %p with %s', (header, locale) => {
    expect(negotiateLocale(header)).toBe(locale);
  });
});

describe('scalars', () => {
  it('accepts calendar dates and rejects impossible ones', () => {
    expect(DateScalar.parseValue('2024-12-07')).toBe('2024-12-07');
    expect(() => DateScalar.parseValue('2024-02-30')).toThrow(/YYYY-MM-DD/);
    expect(() => DateScalar.parseValue('07/12/2024')).toThrow(/YYYY-MM-DD/);
  });

  it('takes DateTime with any offset and answers in UTC', () => {
    const parsed = DateTimeScalar.parseValue('2024-12-07T10:00:00+08:00');
    expect(DateTimeScalar.serialize(parsed)).toBe('2024-12-07T02:00:00.000Z');
    expect(() => DateTimeScalar.parseValue('2024-12-07 10:00')).toThrow(/offset/);
  });
});

describe('error formatting', () => {
  it('passes client errors through and masks everything else, logging the original', () => {
    const sink = jest.fn();
    const format = createErrorFormatter(sink);
    const client = new GraphQLError('first must be at most 100', { extensions: { code: 'BAD_USER_INPUT' } });
    expect(format(client.toJSON(), client)).toMatchObject({ message: 'first must be at most 100' });
    const internal = new Error('SQLITE_ERROR: no such table: member (SELECT * FROM member)');
    const masked = format(
      { message: internal.message, extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['x'] } },
      internal,
    );
    expect(masked).toEqual({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(sink).toHaveBeenCalledWith(internal);
  });
});
