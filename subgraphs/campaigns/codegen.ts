/**
 * What this subgraph's typed resolvers (`generated/resolvers-types.ts`, `npm run codegen`) map
 * its GraphQL types to: the values its resolvers receive (TypeORM entities, the kit's
 * connections and entity refs), as paths from `generated/`. A plain object, loaded by the root
 * `codegen.ts`: it imports nothing, so codegen never loads the resolvers it generates types for.
 */
export const mappers: Record<string, string> = {
  Campaign: '../entities#Campaign',
  Participation: '../entities#Participation',
  CampaignConnection: '../../kit/pagination#Connection<CampaignModel>',
  ParticipationConnection: '../../kit/pagination#Connection<ParticipationModel>',
  CampaignMetrics: '../repositories/metrics#MetricTotals',
  DailyMetrics: '../repositories/metrics#DailyTotals',
  Member: '../../kit/refs#EntityRef',
  Attraction: '../../kit/refs#EntityRef',
};
