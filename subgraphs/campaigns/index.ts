import { exitOnStartupError, runSubgraph } from '../kit/run';
import { campaigns } from './server';

runSubgraph(campaigns).catch((error: unknown) => exitOnStartupError(campaigns.name, error));
