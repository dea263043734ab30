import { exitOnStartupError, runSubgraph } from '../kit/run';
import { membership } from './server';

runSubgraph(membership).catch((error: unknown) => exitOnStartupError(membership.name, error));
