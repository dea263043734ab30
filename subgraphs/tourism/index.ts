import { exitOnStartupError, runSubgraph } from '../kit/run';
import { tourism } from './server';

runSubgraph(tourism).catch((error: unknown) => exitOnStartupError(tourism.name, error));
