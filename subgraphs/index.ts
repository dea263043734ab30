import type { SubgraphProcess } from './kit/run';
import { contentSubgraph } from './content/server';
import { campaignsSubgraph } from './campaigns/server';
import { membershipSubgraph } from './membership/server';
import { tourismSubgraph } from './tourism/server';

/** Every subgraph built so far, in port order. */
// Each subgraph has its own repository and loader types; the registry only runs them.
export const SUBGRAPHS: ReadonlyArray<SubgraphProcess<unknown, unknown>> = [
  membershipSubgraph as SubgraphProcess<unknown, unknown>,
  contentSubgraph as SubgraphProcess<unknown, unknown>,
  campaignsSubgraph as SubgraphProcess<unknown, unknown>,
  tourismSubgraph as SubgraphProcess<unknown, unknown>,
];
