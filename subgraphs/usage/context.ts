import type { SubgraphContext } from '../kit/context';
import type { UsageLoaders } from './loaders';
import type { UsageRepositories } from './repositories';

/** What every usage resolver receives. */
export type UsageContext = SubgraphContext<UsageRepositories, UsageLoaders>;
