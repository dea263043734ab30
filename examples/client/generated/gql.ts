/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query ClientAttractionsPage($filter: AttractionFilter, $first: Int, $after: String) {\n    attractions(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      nodes {\n        slug\n        name\n        category\n        worldHeritage\n        destination {\n          name\n        }\n      }\n    }\n  }\n": typeof types.ClientAttractionsPageDocument,
    "\n  query ClientCampaignCard($slug: String!) {\n    campaign(slug: $slug) {\n      name\n      status\n      startsOn\n      endsOn\n      organizer {\n        name\n      }\n      destinations {\n        name\n      }\n      metrics {\n        impressions\n        engagements\n      }\n    }\n  }\n": typeof types.ClientCampaignCardDocument,
    "\n  mutation ClientReportReach($input: MetricReportInput!) {\n    reportCampaignMetrics(input: $input) {\n      metrics {\n        impressions\n        engagements\n        clicks\n        reports\n      }\n    }\n  }\n": typeof types.ClientReportReachDocument,
};
const documents: Documents = {
    "\n  query ClientAttractionsPage($filter: AttractionFilter, $first: Int, $after: String) {\n    attractions(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      nodes {\n        slug\n        name\n        category\n        worldHeritage\n        destination {\n          name\n        }\n      }\n    }\n  }\n": types.ClientAttractionsPageDocument,
    "\n  query ClientCampaignCard($slug: String!) {\n    campaign(slug: $slug) {\n      name\n      status\n      startsOn\n      endsOn\n      organizer {\n        name\n      }\n      destinations {\n        name\n      }\n      metrics {\n        impressions\n        engagements\n      }\n    }\n  }\n": types.ClientCampaignCardDocument,
    "\n  mutation ClientReportReach($input: MetricReportInput!) {\n    reportCampaignMetrics(input: $input) {\n      metrics {\n        impressions\n        engagements\n        clicks\n        reports\n      }\n    }\n  }\n": types.ClientReportReachDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ClientAttractionsPage($filter: AttractionFilter, $first: Int, $after: String) {\n    attractions(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      nodes {\n        slug\n        name\n        category\n        worldHeritage\n        destination {\n          name\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ClientAttractionsPage($filter: AttractionFilter, $first: Int, $after: String) {\n    attractions(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      nodes {\n        slug\n        name\n        category\n        worldHeritage\n        destination {\n          name\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ClientCampaignCard($slug: String!) {\n    campaign(slug: $slug) {\n      name\n      status\n      startsOn\n      endsOn\n      organizer {\n        name\n      }\n      destinations {\n        name\n      }\n      metrics {\n        impressions\n        engagements\n      }\n    }\n  }\n"): (typeof documents)["\n  query ClientCampaignCard($slug: String!) {\n    campaign(slug: $slug) {\n      name\n      status\n      startsOn\n      endsOn\n      organizer {\n        name\n      }\n      destinations {\n        name\n      }\n      metrics {\n        impressions\n        engagements\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ClientReportReach($input: MetricReportInput!) {\n    reportCampaignMetrics(input: $input) {\n      metrics {\n        impressions\n        engagements\n        clicks\n        reports\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ClientReportReach($input: MetricReportInput!) {\n    reportCampaignMetrics(input: $input) {\n      metrics {\n        impressions\n        engagements\n        clicks\n        reports\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;