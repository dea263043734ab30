import fs from 'node:fs';
import path from 'node:path';
import {
  type GraphQLSchema,
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
} from 'graphql';
import { compose } from '../../scripts/compose';

/**
 * Every schema coordinate of a member developer's API that has no description: types, fields,
 * arguments, enum values and input fields. Built-in scalars and introspection types are
 * described by the GraphQL specification.
 */
function undescribed(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  const blank = (text: string | null | undefined) => !text?.trim();
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    if (blank(type.description)) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (blank(field.description)) missing.push(`${type.name}.${field.name}`);
        for (const arg of field.args) if (blank(arg.description)) missing.push(`${type.name}.${field.name}(${arg.name}:)`);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields()))
        if (blank(field.description)) missing.push(`${type.name}.${field.name}`);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) if (blank(value.description)) missing.push(`${type.name}.${value.name}`);
    }
  }
  return missing;
}

describe('the public API schema', () => {
  it('describes every type, field, argument, enum value and input field of a fresh composition', () => {
    expect(undescribed(buildSchema(compose().api))).toEqual([]);
  });

  it('describes everything in the committed schema/api.graphql too', () => {
    const committed = fs.readFileSync(path.resolve(__dirname, '../../schema/api.graphql'), 'utf8');
    expect(undescribed(buildSchema(committed))).toEqual([]);
  });

  it('names each undescribed coordinate, so the check cannot pass on a schema that lacks them', () => {
    const schema = buildSchema(`
      "Described." type Query { plain(arg: Int): Color, "Described." fine: Boolean }
      enum Color { "Described." RED GREEN }
      input Filter { bare: Int }
      type Unused { "Described." x(filter: Filter): Int }
    `);
    expect(undescribed(schema).sort()).toEqual(
      ['Color', 'Color.GREEN', 'Filter', 'Filter.bare', 'Query.plain', 'Query.plain(arg:)', 'Unused', 'Unused.x(filter:)'].sort(),
    );
  });
});
