import { GATEWAY_DEFAULT_PORT } from './kit/config';
import { campaigns } from './campaigns/server';
import { content } from './content/server';
import { membership } from './membership/server';
import { tourism } from './tourism/server';
import { usage } from './usage/server';

/**
 * The subgraphs of the alliance graph, in port order: the one list a new subgraph is added to.
 * Everything else (processes, scripts, composition, tests, the deployment files' checks) is
 * derived from it and from each subgraph's `defineSubgraph` descriptor.
 */
export const SUBGRAPHS = [membership, content, campaigns, tourism, usage] as const;

/** A subgraph's name (`membership`, ...). */
export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];

/** The subgraphs' names, in port order. */
export const SUBGRAPH_NAMES: readonly SubgraphName[] = SUBGRAPHS.map((subgraph) => subgraph.name);

/**
 * Default ports: the gateway's and each subgraph's, from their descriptors. (`Object.fromEntries`
 * types its keys as any string; they are the registry's names.)
 */
export const DEFAULT_PORTS: Readonly<Record<SubgraphName | 'gateway', number>> = {
  gateway: GATEWAY_DEFAULT_PORT,
  ...(Object.fromEntries(SUBGRAPHS.map((subgraph) => [subgraph.name, subgraph.port])) as Record<SubgraphName, number>),
};
