import { exitOnStartupError, runSubgraph } from '../kit/run';
import { content } from './server';

runSubgraph(content).catch((error: unknown) => exitOnStartupError(content.name, error));
