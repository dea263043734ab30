/**
 * Builds a trusted-documents manifest from a folder of `.graphql` files (each may hold
 * several named operations; fragments are inlined into the operations that use them):
 *   npm run trusted-documents -- examples/operations > trusted-documents.json
 * Start the gateway with TRUSTED_DOCUMENTS=trusted-documents.json to run only these.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Kind, parse, print, type DefinitionNode, type FragmentDefinitionNode, visit } from 'graphql';
import { type OperationManifest, operationId } from '../gateway/operations';

function graphqlFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? graphqlFiles(path.join(dir, entry.name))
        : entry.name.endsWith('.graphql')
          ? [path.join(dir, entry.name)]
          : [],
    )
    .sort();
}

/** The fragments an operation needs, transitively. */
function neededFragments(
  node: DefinitionNode,
  fragments: Map<string, FragmentDefinitionNode>,
): FragmentDefinitionNode[] {
  const needed = new Map<string, FragmentDefinitionNode>();
  const walk = (n: DefinitionNode) =>
    visit(n, {
      FragmentSpread(spread) {
        const fragment = fragments.get(spread.name.value);
        if (fragment && !needed.has(fragment.name.value)) {
          needed.set(fragment.name.value, fragment);
          walk(fragment);
        }
      },
    });
  walk(node);
  return [...needed.values()].sort((a, b) => a.name.value.localeCompare(b.name.value));
}

/** Builds the manifest for every operation under `dir`; names must be unique. */
export function buildManifest(dir: string): OperationManifest {
  const definitions = graphqlFiles(dir).flatMap((file) => parse(fs.readFileSync(file, 'utf8')).definitions);
  const fragments = new Map(
    definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const operations: OperationManifest['operations'] = [];
  const names = new Set<string>();
  for (const definition of definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const name = definition.name?.value;
    if (!name) throw new Error('every trusted operation needs a name');
    if (names.has(name)) throw new Error(`operation name ${name} is used twice`);
    names.add(name);
    const body = [definition, ...neededFragments(definition, fragments)].map((d) => print(d)).join('\n\n');
    operations.push({ id: operationId(body), name, type: definition.operation, body });
  }
  return { format: 'apollo-persisted-query-manifest', version: 1, operations };
}

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: npm run trusted-documents -- <folder of .graphql operations> > manifest.json\n');
    process.exit(2);
  }
  try {
    process.stdout.write(`${JSON.stringify(buildManifest(path.resolve(dir)), null, 2)}\n`);
  } catch (error) {
    process.stderr.write(`trusted-documents: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
