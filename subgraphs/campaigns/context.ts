import type { SubgraphContext } from '../kit/context';
import type { CampaignsLoaders } from './loaders';
import type { CampaignsRepositories } from './repositories';

/** What every campaigns resolver receives. */
export type CampaignsContext = SubgraphContext<CampaignsRepositories, CampaignsLoaders>;
