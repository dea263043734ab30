import { localized } from '../../kit/locale';
import type { AllianceResolvers, ConventionArticleResolvers } from '../generated/resolvers-types';

export const Alliance: AllianceResolvers = {
  name: (alliance, _args, { locale }) => localized(locale, alliance.nameEn, alliance.nameZh),
  localName: (alliance) => alliance.nameZh,
  mission: (alliance, _args, { locale }) => localized(locale, alliance.missionEn, alliance.missionZh),
  memberCount: (_alliance, _args, { repos }) => repos.members.count(),
  conventionArticles: (_alliance, _args, { repos }) => repos.alliance.articles(),
};

export const ConventionArticle: ConventionArticleResolvers = {
  title: (article, _args, { locale }) => localized(locale, article.titleEn, article.titleZh),
  text: (article, _args, { locale }) => localized(locale, article.textEn, article.textZh),
};
