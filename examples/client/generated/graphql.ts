/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** What kind of attraction it is. */
export type AttractionCategory =
  /** A historic town or old street district. */
  | 'ANCIENT_TOWN'
  /** A site presenting the culture of an ethnic group, e.g. a Tibetan or Qiang village. */
  | 'ETHNIC_CULTURE'
  /** A historic or archaeological site, e.g. the Dujiangyan Irrigation System or the Dazu Rock Carvings. */
  | 'HERITAGE_SITE'
  /** A hot-spring resort: busiest in winter. */
  | 'HOT_SPRING'
  /** A museum, e.g. the Sanxingdui Museum. */
  | 'MUSEUM'
  /** Mountains, valleys, lakes, karst and other natural scenery. */
  | 'NATURAL_SCENERY'
  /** A giant panda research and breeding base open to visitors. */
  | 'PANDA_BASE'
  /** A temple, sacred mountain or other religious site. */
  | 'RELIGIOUS_SITE'
  /** A ski resort: busiest in winter. */
  | 'SKI_RESORT'
  /** An amusement or theme park. */
  | 'THEME_PARK'
  /** A city landmark, street or district. */
  | 'URBAN_LANDMARK';

/**
 * Narrows a list of attractions. All given conditions must hold. With `near` the list is
 * ordered by distance from the point (nearest first, ties by id) instead of by slug.
 */
export type AttractionFilter = {
  /** Only attractions of this category. */
  category?: AttractionCategory | null | undefined;
  /** Only attractions of this destination. */
  destinationId?: string | number | null | undefined;
  /** Only attractions inside (true) or outside (false) the Ba-Shu Cultural Tourism Corridor. */
  inBaShuCorridor?: boolean | null | undefined;
  /** Only attractions within a distance of a point, nearest first. */
  near?: NearInput | null | undefined;
  /** Only attractions in this province. */
  province?: Province | null | undefined;
  /** Case-insensitive text matched anywhere in the English name, the Chinese name or the slug (1-100 characters). */
  search?: string | null | undefined;
  /** Only World Heritage attractions (true) or only others (false). */
  worldHeritage?: boolean | null | undefined;
};

/** Where a campaign stands. Moves only forward: PLANNED → ACTIVE → COMPLETED, or PLANNED/ACTIVE → CANCELLED. */
export type CampaignStatus =
  /** Running: members join and report their reach. */
  | 'ACTIVE'
  /** Called off; kept for the record. */
  | 'CANCELLED'
  /** Finished; participants may still report reach for days inside the campaign. */
  | 'COMPLETED'
  /** Being prepared; visible to admins only. Members may already join. */
  | 'PLANNED';

/** A participant's reach for one day. Sending the same campaign and date again replaces the earlier report. */
export type MetricReportInput = {
  /** The campaign reported on; the caller must take part in it. */
  campaignId: string | number;
  /** Clicks that day (≥ 0). */
  clicks: number;
  /** The day reported, inside the campaign (`startsOn` ≤ date ≤ `endsOn`). */
  date: string;
  /** Interactions that day (≥ 0). */
  engagements: number;
  /** Times campaign content was shown that day (≥ 0). */
  impressions: number;
};

/** A point and a distance: attractions within `radiusKm` of the point, measured along the Earth's surface. */
export type NearInput = {
  /** Latitude of the centre in degrees, -90..90. */
  latitude: number;
  /** Longitude of the centre in degrees, -180..180. */
  longitude: number;
  /** Search radius in kilometres, 1..500. */
  radiusKm: number;
};

/** The province-level divisions the alliance covers. */
export type Province =
  /** Chongqing Municipality (重庆市). */
  | 'CHONGQING'
  /** Sichuan Province (四川省). */
  | 'SICHUAN';

export type ClientAttractionsPageQueryVariables = Exact<{
  filter?: AttractionFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ClientAttractionsPageQuery = { attractions: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ slug: string, name: string, category: AttractionCategory, worldHeritage: boolean, destination: { name: string } }> } };

export type ClientCampaignCardQueryVariables = Exact<{
  slug: string;
}>;


export type ClientCampaignCardQuery = { campaign: { name: string, status: CampaignStatus, startsOn: string, endsOn: string, organizer: { name: string } | null, destinations: Array<{ name: string } | null>, metrics: { impressions: number, engagements: number } } | null };

export type ClientReportReachMutationVariables = Exact<{
  input: MetricReportInput;
}>;


export type ClientReportReachMutation = { reportCampaignMetrics: { metrics: { impressions: number, engagements: number, clicks: number, reports: number } } };


export const ClientAttractionsPageDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ClientAttractionsPage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"AttractionFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"attractions"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"slug"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"category"}},{"kind":"Field","name":{"kind":"Name","value":"worldHeritage"}},{"kind":"Field","name":{"kind":"Name","value":"destination"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ClientAttractionsPageQuery, ClientAttractionsPageQueryVariables>;
export const ClientCampaignCardDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ClientCampaignCard"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"slug"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"campaign"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"slug"},"value":{"kind":"Variable","name":{"kind":"Name","value":"slug"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"startsOn"}},{"kind":"Field","name":{"kind":"Name","value":"endsOn"}},{"kind":"Field","name":{"kind":"Name","value":"organizer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"destinations"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"metrics"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"impressions"}},{"kind":"Field","name":{"kind":"Name","value":"engagements"}}]}}]}}]}}]} as unknown as DocumentNode<ClientCampaignCardQuery, ClientCampaignCardQueryVariables>;
export const ClientReportReachDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ClientReportReach"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"MetricReportInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reportCampaignMetrics"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"metrics"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"impressions"}},{"kind":"Field","name":{"kind":"Name","value":"engagements"}},{"kind":"Field","name":{"kind":"Name","value":"clicks"}},{"kind":"Field","name":{"kind":"Name","value":"reports"}}]}}]}}]}}]} as unknown as DocumentNode<ClientReportReachMutation, ClientReportReachMutationVariables>;