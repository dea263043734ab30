import type { ApolloGateway } from '@apollo/gateway';
import { SUBGRAPH_UNAVAILABLE } from '../datasource';

/**
 * Most `SUBGRAPH_UNAVAILABLE` errors one response (or one part of an incremental response)
 * reports: a failed fetch of a thousand entities would otherwise answer a thousand errors.
 */
export const MAX_UNAVAILABLE_ERRORS = 50;

/** What the cap reads of an error: a `GraphQLError` or a formatted one. */
interface PathedError {
  readonly path?: ReadonlyArray<string | number> | undefined;
  readonly extensions?: Readonly<Record<string, unknown>> | undefined;
}

const isUnavailable = (error: PathedError): boolean => error.extensions?.code === SUBGRAPH_UNAVAILABLE;

/**
 * A response's errors with its `SUBGRAPH_UNAVAILABLE` errors (one for each client path a failed
 * fetch would have delivered) made independent of how the plan split its fetches: one per client
 * path, in response order, at most {@link MAX_UNAVAILABLE_ERRORS} (the first ones in response
 * order). Planners split entity fetches differently (Hive's batches what Apollo's sends apart), so
 * a cap per fetch, or the order fetches fail in, would answer different errors for the same data.
 * They take the places the unavailable errors had in the list; other errors keep theirs.
 * `data` is the response's data: the order of its keys is the response order.
 */
export function capUnavailableErrors<E extends PathedError>(errors: readonly E[], data: unknown): E[] {
  const unavailable = errors.filter(isUnavailable);
  if (unavailable.length < 2) return [...errors];
  const seen = new Set<string>();
  const distinct: Array<{ error: E; key: OrderKey }> = [];
  const order = new ResponseOrder(data);
  for (const error of unavailable) {
    const printed = JSON.stringify(error.path ?? null);
    if (seen.has(printed)) continue;
    seen.add(printed);
    distinct.push({ error, key: order.keyOf(error.path ?? []) });
  }
  distinct.sort((a, b) => compareKeys(a.key, b.key));
  const kept = distinct.slice(0, MAX_UNAVAILABLE_ERRORS).map(({ error }) => error);
  let next = 0;
  const result: E[] = [];
  for (const error of errors) {
    if (!isUnavailable(error)) result.push(error);
    else if (next < kept.length) result.push(kept[next++]!);
  }
  return result;
}

/** A path's place in the response: per element, its position among its siblings, then its name. */
type OrderKey = Array<readonly [number, string]>;

/** Where a key is not in the data (under a null, or not delivered): after the keys that are, by name. */
const UNKNOWN = Number.MAX_SAFE_INTEGER;

/** Positions of paths in a response's data (list indexes, and the order of each object's keys). */
class ResponseOrder {
  private readonly positions = new WeakMap<object, Map<string, number>>();

  constructor(private readonly data: unknown) {}

  keyOf(path: ReadonlyArray<string | number>): OrderKey {
    let node: unknown = this.data;
    return path.map((element) => {
      if (typeof element === 'number') {
        node = Array.isArray(node) ? node[element] : undefined;
        return [element, ''] as const;
      }
      const position = this.position(node, element);
      node =
        typeof node === 'object' && node !== null && !Array.isArray(node)
          ? (node as Record<string, unknown>)[element]
          : undefined;
      return [position, element] as const;
    });
  }

  private position(node: unknown, key: string): number {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return UNKNOWN;
    let positions = this.positions.get(node);
    if (!positions) {
      positions = new Map(Object.keys(node).map((name, i) => [name, i]));
      this.positions.set(node, positions);
    }
    return positions.get(key) ?? UNKNOWN;
  }
}

/** Response order: element by element, a parent before what it holds. */
function compareKeys(a: OrderKey, b: OrderKey): number {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    const [positionA, nameA] = a[i]!;
    const [positionB, nameB] = b[i]!;
    if (positionA !== positionB) return positionA - positionB;
    if (nameA !== nameB) return nameA < nameB ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * Makes `@apollo/gateway`'s executor (`GATEWAY_EXECUTOR=apollo`) report `SUBGRAPH_UNAVAILABLE`
 * errors as ours does ({@link capUnavailableErrors}), so that both executors answer the same.
 */
export function capApolloUnavailableErrors(gateway: ApolloGateway): void {
  const load = gateway.load.bind(gateway);
  gateway.load = async (options) => {
    const loaded = await load(options);
    const { executor } = loaded;
    return {
      ...loaded,
      executor: async (requestContext) => {
        const result = await executor(requestContext);
        return result.errors ? { ...result, errors: capUnavailableErrors(result.errors, result.data) } : result;
      },
    };
  };
}
