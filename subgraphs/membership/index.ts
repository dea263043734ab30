import { exitOnStartupError, runSubgraph } from '../kit/run';
import { membershipSubgraph } from './server';

runSubgraph(membershipSubgraph).catch((error: unknown) => exitOnStartupError('membership', error));
