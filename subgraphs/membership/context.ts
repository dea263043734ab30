import type { SubgraphContext } from '../kit/context';
import type { MembershipLoaders } from './loaders';
import type { MembershipRepositories } from './repositories';

/** What every membership resolver receives. */
export type MembershipContext = SubgraphContext<MembershipRepositories, MembershipLoaders>;
