import { graphql } from '../generated';

/**
 * The operations this client sends. `graphql()` returns a typed document: its result and
 * variables types come from schema/api.graphql via `npm run codegen`.
 */
export const AttractionsPage = graphql(`
  query ClientAttractionsPage($filter: AttractionFilter, $first: Int, $after: String) {
    attractions(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        slug
        name
        category
        worldHeritage
        destination {
          name
        }
      }
    }
  }
`);

export const CampaignCard = graphql(`
  query ClientCampaignCard($slug: String!) {
    campaign(slug: $slug) {
      name
      status
      startsOn
      endsOn
      organizer {
        name
      }
      destinations {
        name
      }
      metrics {
        impressions
        engagements
      }
    }
  }
`);

export const ReportReach = graphql(`
  mutation ClientReportReach($input: MetricReportInput!) {
    reportCampaignMetrics(input: $input) {
      metrics {
        impressions
        engagements
        clicks
        reports
      }
    }
  }
`);
