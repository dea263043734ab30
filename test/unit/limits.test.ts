import fs from 'node:fs';
import path from 'node:path';
import {
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  buildSchema,
  parse,
} from 'graphql';
import {
  MAX_INPUT_DEPTH,
  type OperationShape,
  coerceVariables,
  measureOperation,
  tooDeeplyNested,
} from '../../gateway/limits';

const schema = buildSchema(fs.readFileSync(path.resolve(__dirname, '../../schema/api.graphql'), 'utf8'));

/** The shape of `document` with `variables`, as the gateway's limit check measures it. */
function shape(document: string, variables: Record<string, unknown> = {}): OperationShape {
  const parsed = parse(document);
  const operation = parsed.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of parsed.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  return measureOperation(schema, operation, fragments, coerceVariables(schema, operation, variables));
}

/** The estimated cost of `document` with `variables`. */
function cost(document: string, variables: Record<string, unknown> = {}): number {
  return shape(document, variables).cost;
}

const NESTED = (first: string) =>
  `members(first: ${first}) { nodes { contents(first: ${first}) { nodes { author { contents(first: ${first}) { nodes { title } } } } } } }`;

describe('operation cost estimate', () => {
  const literal = cost(`{ ${NESTED('100')} }`);

  it('counts a literal page size', () => {
    expect(literal).toBeGreaterThan(1_000_000);
  });

  it('counts a variable sent with the request like the literal', () => {
    expect(cost(`query Q($n: Int) { ${NESTED('$n')} }`, { n: 100 })).toBe(literal);
  });

  it("counts the operation's variable default when the variable is not sent", () => {
    expect(cost(`query Q($n: Int = 100) { ${NESTED('$n')} }`)).toBe(literal);
    expect(cost(`query Q($n: Int! = 100) { ${NESTED('$n')} }`)).toBe(literal);
  });

  it('counts the default page size for an unset variable without default, and for a left-out first', () => {
    const unset = cost(`query Q($n: Int) { ${NESTED('$n')} }`);
    expect(unset).toBe(cost(`{ ${NESTED('20')} }`));
    expect(cost('{ members { nodes { slug } } }')).toBe(cost('{ members(first: 20) { nodes { slug } } }'));
  });

  it('refuses variables that would not coerce, as execution would, instead of measuring them as nothing', () => {
    let refusal: unknown;
    try {
      cost(`query Q($n: Int) { ${NESTED('$n')} }`, { n: '100' });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(GraphQLError);
    expect((refusal as GraphQLError).extensions).toMatchObject({ code: 'BAD_USER_INPUT', http: { status: 400 } });
    expect((refusal as GraphQLError).message).toMatch(/\$n/);
  });
});

describe('operation shape', () => {
  it('measures depth, aliases, directives and root fields', () => {
    expect(
      shape(
        'query Q @skip(if: false) { a: alliance { name @include(if: true) } b: members(first: 1) { nodes { slug } } }',
      ),
    ).toMatchObject({ depth: 3, aliases: 2, directives: 2, rootFields: 2 });
  });

  it('does not count introspection, so developer tools keep working', () => {
    expect(shape('{ __schema { types { name fields { name } } } alliance { name } }')).toMatchObject({
      depth: 2,
      rootFields: 1,
    });
  });

  it('counts a fragment bomb at its true, exponential size without expanding it', () => {
    const fragments = ['fragment F0 on Query { alliance { name } }'];
    for (let i = 1; i <= 40; i += 1) fragments.push(`fragment F${i} on Query { ...F${i - 1} ...F${i - 1} }`);
    expect(cost(`query Bomb { ...F40 } ${fragments.join(' ')}`)).toBe(2 * 2 ** 40);
  });

  it('cuts fragment cycles instead of looping', () => {
    expect(cost('query { ...A } fragment A on Query { alliance { name } ...B } fragment B on Query { ...A }')).toBe(2);
  });
});

describe('nesting of request parameters', () => {
  /** A value `depth` objects or lists deep, built without recursion. */
  const nested = (depth: number, list = false): unknown => {
    let value: unknown = 'leaf';
    for (let i = 0; i < depth; i += 1) value = list ? [value] : { a: value };
    return value;
  };

  it('names the parameter that nests too deep, however deep, without exhausting the stack', () => {
    expect(tooDeeplyNested({ query: '{ a }', variables: nested(1_000_000) }, MAX_INPUT_DEPTH)).toBe('variables');
    expect(tooDeeplyNested({ extensions: nested(100_000, true) }, MAX_INPUT_DEPTH)).toBe('extensions');
  });

  it('admits nesting up to the limit, wide values and scalars', () => {
    expect(tooDeeplyNested({ variables: nested(MAX_INPUT_DEPTH) }, MAX_INPUT_DEPTH)).toBeUndefined();
    expect(tooDeeplyNested({ variables: nested(MAX_INPUT_DEPTH + 1) }, MAX_INPUT_DEPTH)).toBe('variables');
    const wide = { variables: { ids: Array.from({ length: 100_000 }, (_, i) => `id-${i}`) } };
    expect(tooDeeplyNested(wide, MAX_INPUT_DEPTH)).toBeUndefined();
    expect(tooDeeplyNested(null, MAX_INPUT_DEPTH)).toBeUndefined();
    expect(tooDeeplyNested('text', MAX_INPUT_DEPTH)).toBeUndefined();
  });
});
