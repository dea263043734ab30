import { AuditRecord } from '../../kit/audit/AuditRecord';
import { OutboxEvent } from '../../kit/events/OutboxEvent';
import { Campaign } from './Campaign';
import { CampaignDestination } from './CampaignDestination';
import { MetricReport } from './MetricReport';
import { Participation } from './Participation';

export { Campaign, CampaignDestination, MetricReport, Participation };
export { CAMPAIGN_STATUSES, type CampaignStatus } from './Campaign';
export { PARTICIPATION_ROLES, type ParticipationRole } from './Participation';

/** Every entity of the campaigns database, for the DataSource. */
export const entities = [Campaign, CampaignDestination, Participation, MetricReport, AuditRecord, OutboxEvent];
