import { exitOnStartupError, runSubgraph } from '../kit/run';
import { campaignsSubgraph } from './server';

runSubgraph(campaignsSubgraph).catch((error: unknown) => exitOnStartupError('campaigns', error));
