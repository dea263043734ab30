/** A reference to another subgraph's entity (Member, Attraction, Campaign): its id only. */
export interface EntityRef {
  id: string;
}
