import type { SubgraphContext } from '../kit/context';
import type { TourismLoaders } from './loaders';
import type { TourismRepositories } from './repositories';

/** What every tourism resolver receives. */
export type TourismContext = SubgraphContext<TourismRepositories, TourismLoaders>;
