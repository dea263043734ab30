import type { SubgraphContext } from '../kit/context';
import type { ContentLoaders } from './loaders';
import type { ContentRepositories } from './repositories';

/** What every content resolver receives. */
export type ContentContext = SubgraphContext<ContentRepositories, ContentLoaders>;
