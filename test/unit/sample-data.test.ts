import { SEED_CAMPAIGNS } from '../../subgraphs/campaigns/seed-data';
import { seedContents } from '../../subgraphs/content/seed-data';
import { stableId } from '../../subgraphs/kit/ids';
import { FOUNDING_MEMBERS } from '../../subgraphs/membership/seed-data';
import { ATTRACTIONS } from '../../subgraphs/tourism/seed-data';

/**
 * The seeds of the four subgraphs refer to each other's sample data by stable ids. Each kind
 * lives once, with its owner; these checks fail when one seed refers to something the owning
 * seed does not write, or writes it differently (a campaign running on other days, say).
 */
describe('the sample data of the seeds', () => {
  const campaignsById = new Map(SEED_CAMPAIGNS.map((c) => [stableId('campaign', c.slug), c]));
  const memberIds = new Set(FOUNDING_MEMBERS.map((m) => stableId('member', m.slug)));
  const attractionIds = new Set(ATTRACTIONS.map((a) => stableId('attraction', a.slug)));
  const contents = seedContents();

  it('links content only to seeded campaigns that ran on the day the piece was written, and visible ones', () => {
    const linked = contents.filter((c) => c.campaignId !== null);
    expect(linked.length).toBeGreaterThan(0);
    for (const piece of linked) {
      const campaign = campaignsById.get(piece.campaignId!);
      const day = piece.createdAt.toISOString().slice(0, 10);
      expect({ piece: piece.id, campaign: campaign?.slug, day, inPeriod: true, visible: true }).toEqual({
        piece: piece.id,
        campaign: campaign?.slug ?? 'a campaign the campaigns seed writes',
        day,
        inPeriod: campaign !== undefined && campaign.startsOn <= day && day <= campaign.endsOn,
        // PLANNED and CANCELLED campaigns are hidden from members: seeded stories must not name them.
        visible: campaign !== undefined && (campaign.status === 'ACTIVE' || campaign.status === 'COMPLETED'),
      });
    }
  });

  it('names every campaign in the stories the way the campaigns seed names it', () => {
    for (const piece of contents.filter((c) => c.campaignId !== null)) {
      const campaign = campaignsById.get(piece.campaignId!)!;
      expect(piece.summary).toContain(piece.language === 'en' ? campaign.topicEn : campaign.topicZh);
    }
  });

  it('has content authored by seeded members about seeded attractions', () => {
    for (const piece of contents) {
      expect(memberIds.has(piece.authorId)).toBe(true);
      for (const id of piece.attractionIds) expect(attractionIds.has(id)).toBe(true);
    }
  });

  it('has campaigns organized by seeded members and featuring seeded attractions', () => {
    const memberSlugs = new Set(FOUNDING_MEMBERS.map((m) => m.slug));
    const attractionSlugs = new Set(ATTRACTIONS.map((a) => a.slug));
    for (const campaign of SEED_CAMPAIGNS) {
      expect({ campaign: campaign.slug, organizer: memberSlugs.has(campaign.organizer) }).toEqual({
        campaign: campaign.slug,
        organizer: true,
      });
      expect(campaign.destinations.filter((slug) => !attractionSlugs.has(slug))).toEqual([]);
      expect(campaign.startsOn <= campaign.endsOn).toBe(true);
    }
  });
});
