import { ApolloClient, HttpLink, InMemoryCache, gql, type TypedDocumentNode } from '@apollo/client';
import { Defer20220824Handler } from '@apollo/client/incremental';

/**
 * `@defer` with Apollo Client 4 (the gateway runs it with `GATEWAY_EXECUTOR=ours`): a campaign card
 * shows the campaign's name at once, from the campaigns subgraph, and its organizer when the
 * deferred part arrives, resolved through the membership subgraph. Apollo Client asks for
 * `multipart/mixed;deferSpec=20220824` and merges the parts into its cache as they come.
 */
export const CampaignCardLater: TypedDocumentNode<
  {
    campaign: {
      __typename: 'Campaign';
      id: string;
      name: string;
      organizer?: { __typename: 'Member'; id: string; name: string } | null;
    } | null;
  },
  { slug: string }
> = gql`
  query CampaignCardLater($slug: String!) {
    campaign(slug: $slug) {
      id
      name
      ... @defer(label: "organizer") {
        organizer {
          id
          name
        }
      }
    }
  }
`;

/** An Apollo Client for the gateway that understands `@defer` in the deferSpec=20220824 format. */
export function createDeferClient(url: string, fetchImplementation: typeof fetch = fetch): ApolloClient {
  return new ApolloClient({
    link: new HttpLink({ uri: url, fetch: fetchImplementation }),
    cache: new InMemoryCache(),
    incrementalHandler: new Defer20220824Handler(),
  });
}

/** What a campaign card shows at one moment: the name, and the organizer once it arrived. */
export interface CardState {
  /** `streaming` while deferred parts are still to come, then `complete`. */
  dataState: string;
  name: string | undefined;
  organizer: string | null | undefined;
}

/**
 * Every state a campaign card goes through, in order, until its query completes: with `@defer`,
 * first the name alone (`streaming`), then the name and the organizer (`complete`). `onState`
 * sees each state as it happens.
 */
export function cardStates(
  client: ApolloClient,
  slug: string,
  onState: (state: CardState) => void = () => {},
): Promise<CardState[]> {
  return new Promise((resolve, reject) => {
    const states: CardState[] = [];
    const subscription = client
      .watchQuery({ query: CampaignCardLater, variables: { slug }, fetchPolicy: 'network-only' })
      .subscribe({
        next: (result) => {
          if (result.loading && result.dataState === 'empty') return;
          const campaign = result.data?.campaign;
          const state = { dataState: result.dataState, name: campaign?.name, organizer: campaign?.organizer?.name };
          states.push(state);
          onState(state);
          if (result.error) {
            subscription.unsubscribe();
            reject(result.error);
          } else if (result.dataState === 'complete') {
            subscription.unsubscribe();
            resolve(states);
          }
        },
        error: reject,
      });
  });
}

// `tsx examples/defer/index.ts [gateway URL]` prints the card's states as the parts arrive.
if (require.main === module) {
  const client = createDeferClient(process.argv[2] ?? 'http://localhost:4000/graphql');
  void cardStates(client, 'winter-tourism-season-2024').then((states) => {
    for (const state of states) console.log(state);
    client.stop();
  });
}
