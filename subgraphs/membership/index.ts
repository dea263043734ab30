import { exitOnStartupError, runSubgraph } from '../kit/run';
import { entities } from './entities';
import { migrations } from './migrations';
import { isEmpty, seed } from './seed';
import { buildMembershipSubgraph } from './server';

runSubgraph({
  name: 'membership',
  entities,
  migrations,
  seed,
  isEmpty,
  build: buildMembershipSubgraph,
}).catch((error: unknown) => exitOnStartupError('membership', error));
