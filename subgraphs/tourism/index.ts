import { exitOnStartupError, runSubgraph } from '../kit/run';
import { tourismSubgraph } from './server';

runSubgraph(tourismSubgraph).catch((error: unknown) => exitOnStartupError('tourism', error));
