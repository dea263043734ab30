import type { EntityManager } from 'typeorm';
import { isAdmin, requireAdmin, requireSignedIn } from '../../kit/authz';
import { badUserInput, conflict, forbidden, notFound, slugTaken } from '../../kit/errors';
import type { CampaignsContext } from '../context';
import { type Campaign, Participation } from '../entities';
import type { MutationResolvers } from '../generated/resolvers-types';
import type { CampaignChanges } from '../repositories/campaigns';
import * as valid from '../validation';

const todayUtc = () => new Date().toISOString().slice(0, 10);

/** A campaign a member-facing mutation acts on, with the caller's participation in it, if any. */
interface SeenCampaign {
  campaign: Campaign;
  participation: Participation | null;
}

/**
 * The campaign a member-facing mutation acts on, or NOT_FOUND when the caller cannot see it.
 * Visibility is the read rule (Query.campaign, Member.campaigns): PLANNED campaigns are for
 * admins and their own participants only. A PLANNED campaign a member does not take part in
 * must answer exactly like a missing id, or the mutation's error would reveal that it exists
 * (the contract: a forbidden read looks like a missing one). FORBIDDEN and status errors
 * come only after this, about campaigns the caller may see.
 */
async function seenCampaign(
  manager: EntityManager,
  { viewer, repos }: CampaignsContext,
  id: string,
  field = 'campaignId',
): Promise<SeenCampaign> {
  // Called after requireSignedIn: the caller acts for a member.
  const memberId = viewer.memberId;
  if (memberId === null) throw new Error('seenCampaign needs a signed-in caller');
  const campaign = await repos.campaigns.findById(manager, id);
  const participation = campaign ? await repos.participations.find(manager, campaign.id, memberId) : null;
  if (!campaign || (campaign.status === 'PLANNED' && !isAdmin(viewer) && !participation)) {
    throw notFound(`no campaign with ${field} ${id}`);
  }
  return { campaign, participation };
}

export const Mutation: MutationResolvers = {
  launchCampaign: (_parent, { input }, { viewer, repos, mutate }) =>
    mutate(
      { operation: 'launchCampaign', targetType: 'Campaign', detail: `slug ${input.slug.slice(0, 80)}` },
      async (manager) => {
        requireAdmin(viewer, 'launchCampaign');
        valid.period(input.startsOn, input.endsOn);
        const slug = valid.slug(input.slug);
        const campaign = await repos.campaigns.launch(manager, {
          slug,
          nameEn: valid.text(input.name, 'input.name', 1, 200),
          nameZh: valid.text(input.localName, 'input.localName', 1, 200),
          descriptionEn: valid.optionalText(input.description, 'input.description', 2000),
          descriptionZh: valid.optionalText(input.localDescription, 'input.localDescription', 2000),
          startsOn: input.startsOn,
          endsOn: input.endsOn,
          organizerId: valid.foreignId(input.organizerId, 'input.organizerId'),
          destinationIds: valid.destinationIds(input.destinationIds ?? []),
          joinedOn: todayUtc(),
        });
        if (!campaign) throw slugTaken('campaign', slug);
        return campaign;
      },
      (campaign) => campaign.id,
    ),

  updateCampaign: (_parent, { id, input }, { viewer, repos, mutate }) =>
    mutate({ operation: 'updateCampaign', targetType: 'Campaign', targetId: id }, async (manager) => {
      requireAdmin(viewer, 'updateCampaign');
      const campaign = await repos.campaigns.findById(manager, id);
      if (!campaign) throw notFound(`no campaign with id ${id}`);
      const changes: CampaignChanges = {};
      if (input.name != null) changes.nameEn = valid.text(input.name, 'input.name', 1, 200);
      if (input.localName != null) changes.nameZh = valid.text(input.localName, 'input.localName', 1, 200);
      if (input.description !== undefined) {
        changes.descriptionEn = valid.optionalText(input.description, 'input.description', 2000);
      }
      if (input.localDescription !== undefined) {
        changes.descriptionZh = valid.optionalText(input.localDescription, 'input.localDescription', 2000);
      }
      if (input.startsOn != null) changes.startsOn = input.startsOn;
      if (input.endsOn != null) changes.endsOn = input.endsOn;
      valid.period(changes.startsOn ?? campaign.startsOn, changes.endsOn ?? campaign.endsOn);
      if (input.destinationIds != null) {
        await repos.campaigns.replaceDestinations(manager, id, valid.destinationIds(input.destinationIds));
      }
      return repos.campaigns.update(manager, campaign, changes);
    }),

  setCampaignStatus: (_parent, { id, status }, { viewer, repos, mutate }) =>
    mutate(
      { operation: 'setCampaignStatus', targetType: 'Campaign', targetId: id, detail: status },
      async (manager, emit) => {
        requireAdmin(viewer, 'setCampaignStatus');
        const campaign = await repos.campaigns.findById(manager, id);
        if (!campaign) throw notFound(`no campaign with id ${id}`);
        if (!valid.ALLOWED_TRANSITIONS[campaign.status].includes(status)) {
          throw badUserInput(
            `a campaign cannot move from ${campaign.status} to ${status}: status only moves forward (${valid.TRANSITIONS_TEXT})`,
            'status',
          );
        }
        const from = campaign.status;
        const updated = await repos.campaigns.update(manager, campaign, { status });
        emit({ type: 'CampaignStatusChanged', aggregateId: id, payload: { campaignId: id, from, to: status } });
        return updated;
      },
    ),

  joinCampaign: (_parent, { campaignId, role }, context) =>
    context.mutate(
      { operation: 'joinCampaign', targetType: 'Campaign', targetId: campaignId, detail: role ?? 'PARTNER' },
      async (manager) => {
        const { viewer, repos } = context;
        // The gateway admits only credentials of ACTIVE members (see README), so a signed-in
        // caller here is a member in good standing.
        requireSignedIn(viewer, 'joinCampaign');
        const chosen = role ?? 'PARTNER';
        if (chosen === 'LEAD' && !isAdmin(viewer))
          throw forbidden('only admins may join as LEAD; choose PARTNER or AMPLIFIER');
        const { campaign, participation } = await seenCampaign(manager, context, campaignId);
        valid.openToMembers(campaign.status, 'join');
        if (participation) throw conflict('your member already takes part in this campaign');
        return repos.participations.insert(
          manager,
          Object.assign(new Participation(), {
            campaignId,
            memberId: viewer.memberId,
            role: chosen,
            joinedOn: todayUtc(),
          }),
        );
      },
    ),

  leaveCampaign: (_parent, { campaignId }, context) =>
    context.mutate({ operation: 'leaveCampaign', targetType: 'Campaign', targetId: campaignId }, async (manager) => {
      const { viewer, repos } = context;
      requireSignedIn(viewer, 'leaveCampaign');
      const { campaign, participation } = await seenCampaign(manager, context, campaignId);
      if (!participation) throw badUserInput('your member does not take part in this campaign', 'campaignId');
      valid.openToMembers(campaign.status, 'leave');
      await repos.participations.remove(manager, campaignId, viewer.memberId);
      return true;
    }),

  reportCampaignMetrics: (_parent, { input }, context) =>
    context.mutate(
      {
        operation: 'reportCampaignMetrics',
        targetType: 'Campaign',
        targetId: input.campaignId,
        detail: `date ${input.date}`,
      },
      async (manager, emit) => {
        const { viewer, repos } = context;
        requireSignedIn(viewer, 'reportCampaignMetrics');
        const { campaign, participation } = await seenCampaign(manager, context, input.campaignId, 'input.campaignId');
        if (!participation) {
          throw forbidden('only members taking part in the campaign may report its metrics: join it first');
        }
        if (campaign.status !== 'ACTIVE' && campaign.status !== 'COMPLETED') {
          throw badUserInput(
            `campaign is ${campaign.status}: metrics are reported for ACTIVE or COMPLETED campaigns only`,
            'input.campaignId',
          );
        }
        if (input.date < campaign.startsOn || input.date > campaign.endsOn) {
          throw badUserInput(
            `input.date must be inside the campaign (${campaign.startsOn} to ${campaign.endsOn}), got ${input.date}`,
            'input.date',
          );
        }
        valid.notInFuture(input.date, 'input.date');
        const figures = {
          impressions: valid.figure(input.impressions, 'input.impressions'),
          engagements: valid.figure(input.engagements, 'input.engagements'),
          clicks: valid.figure(input.clicks, 'input.clicks'),
        };
        await repos.metrics.upsert(manager, {
          campaignId: campaign.id,
          memberId: viewer.memberId,
          reportDate: input.date,
          ...figures,
        });
        emit({
          type: 'CampaignMetricsReported',
          aggregateId: campaign.id,
          payload: { campaignId: campaign.id, memberId: participation.memberId, date: input.date, ...figures },
        });
        return participation;
      },
    ),
};
