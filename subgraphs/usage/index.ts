import { exitOnStartupError, runSubgraph } from '../kit/run';
import { usage } from './server';

runSubgraph(usage).catch((error: unknown) => exitOnStartupError(usage.name, error));
