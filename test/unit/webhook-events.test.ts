import { EVENT_TYPES, type PublishedEvent } from '../../subgraphs/kit/events/catalogue';
import { deliveryBody, webhookEvent, webhookEventsOf } from '../../subgraphs/membership/webhooks/events';
import { webhookEvents } from '../../subgraphs/membership/validation';

describe('webhook event kinds', () => {
  it('delivers a metrics report as CAMPAIGN_METRICS_UPDATED, the body type included', () => {
    const event: PublishedEvent = {
      id: 'campaigns:7',
      subgraph: 'campaigns',
      sequence: 7,
      type: 'CampaignMetricsReported',
      aggregateId: 'c1',
      payload: { campaignId: 'c1', memberId: 'm1', date: '2026-12-01', impressions: 10, engagements: 2, clicks: 1 },
      createdAt: '2026-12-01T08:00:00.000Z',
    };
    expect(JSON.parse(deliveryBody(event))).toEqual({
      type: 'CAMPAIGN_METRICS_UPDATED',
      timestamp: '2026-12-01T08:00:00.000Z',
      data: { eventId: 'campaigns:7', ...event.payload },
    });
  });

  it('has CONTENT_UPDATED stand for edits and archives alike, and lists it once', () => {
    expect(webhookEvent('ContentUpdated')).toBe('CONTENT_UPDATED');
    expect(webhookEvent('ContentArchived')).toBe('CONTENT_UPDATED');
    expect(webhookEvents(['CONTENT_UPDATED', 'CONTENT_UPDATED'])).toEqual(['ContentUpdated', 'ContentArchived']);
    expect(webhookEventsOf(['ContentUpdated', 'ContentArchived'])).toEqual(['CONTENT_UPDATED']);
  });

  it('gives every catalogue event a webhook event, and every webhook event its catalogue events', () => {
    const all = webhookEventsOf(EVENT_TYPES);
    expect(all).toEqual([
      'CONTENT_PUBLISHED',
      'CONTENT_UPDATED',
      'CAMPAIGN_METRICS_UPDATED',
      'CAMPAIGN_STATUS_CHANGED',
      'MEMBER_STATUS_CHANGED',
    ]);
    expect([...webhookEvents(all)].sort()).toEqual([...EVENT_TYPES].sort());
  });
});
