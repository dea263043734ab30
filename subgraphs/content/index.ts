import { exitOnStartupError, runSubgraph } from '../kit/run';
import { contentSubgraph } from './server';

runSubgraph(contentSubgraph).catch((error: unknown) => exitOnStartupError('content', error));
