/** A reference to a member of the membership subgraph: only its id lives here. */
export interface MemberRef {
  id: string;
}

/** A reference to an attraction of the tourism subgraph: only its id lives here. */
export interface AttractionRef {
  id: string;
}
