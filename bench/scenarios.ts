/** The benchmark's operations. S2's shape depends on which subgraphs are present. */

export const S1 = `query S1 { attractions(first: 50) { nodes { id name category destination { id name province } } } }`;

/** Campaigns → participants' members (→ their contents → attractions → visitor figures) → destinations. */
export function s2Query(withContent: boolean): string {
  const contents = withContent
    ? `contents(first: $contents) { nodes { id title attractions { id name visitorStats(from: "2025-01", to: "2025-03") { month domesticVisitors } } } }`
    : '';
  return `query S2($first: Int!${withContent ? ', $contents: Int!' : ''}) {
  campaigns(first: $first) {
    nodes {
      id name status
      participants(first: $first) { nodes { role member { id name region ${contents} } } }
      destinations { id name destination { name } visitorStats(from: "2025-01", to: "2025-03") { month domesticVisitors } }
    }
  }
}`;
}

/** A public, anonymous and cacheable read: reference data that changes rarely. */
export const S3 = `query S3 { destinations { id name province attractions { id name category } } }`;

export const S4_READ = `query S4Read { campaigns(first: 10) { nodes { id name metrics { impressions } } } }`;

export const S4_WRITE = `mutation S4Write($input: MetricReportInput!) { reportCampaignMetrics(input: $input) { role metrics { impressions } } }`;
