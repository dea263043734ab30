import type { Resolvers } from '../generated/resolvers-types';
import { Alliance, ConventionArticle } from './Alliance';
import { Member } from './Member';
import { Query } from './Query';

/** All membership resolvers, merged explicitly. */
export const resolvers: Resolvers = { Query, Member, Alliance, ConventionArticle };
