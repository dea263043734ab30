import { type Client, createClient } from './client';
import { AttractionsPage, CampaignCard } from './documents';
import type { AttractionFilter, ClientCampaignCardQuery } from '../generated/graphql';

export { createClient, GraphQLRequestError } from './client';
export * as documents from './documents';

/** Every attraction matching `filter`, page by page (100 at a time), as "name (destination)" lines. */
export async function attractionLines(client: Client, filter: AttractionFilter = {}): Promise<string[]> {
  const lines: string[] = [];
  let after: string | null | undefined;
  do {
    const { attractions } = await client.request(AttractionsPage, { filter, first: 100, after });
    for (const node of attractions.nodes) lines.push(`${node.name} (${node.destination.name})`);
    after = attractions.pageInfo.hasNextPage ? attractions.pageInfo.endCursor : undefined;
  } while (after);
  return lines;
}

/** A campaign card's view model, or null when there is no such (visible) campaign. */
export async function campaignCard(
  client: Client,
  slug: string,
): Promise<{ title: string; period: string; organizer: string; reach: number } | null> {
  const { campaign }: ClientCampaignCardQuery = await client.request(CampaignCard, { slug });
  if (!campaign) return null;
  return {
    title: `${campaign.name} (${campaign.status.toLowerCase()})`,
    period: `${campaign.startsOn} – ${campaign.endsOn}`,
    // Null when the membership subgraph is unavailable: the card still shows the rest.
    organizer: campaign.organizer?.name ?? '(organizer unavailable)',
    reach: campaign.metrics.impressions,
  };
}

// `tsx examples/client/src/index.ts [gateway URL]` prints a few lines from a running graph.
if (require.main === module) {
  const client = createClient({ url: process.argv[2] ?? 'http://localhost:4000/graphql', language: 'zh-CN' });
  void (async () => {
    console.log(await campaignCard(client, 'winter-tourism-season-2024'));
    console.log((await attractionLines(client, { worldHeritage: true })).join('\n'));
  })();
}
