import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';
import { createAuditTable } from '../../kit/audit/migration';

/**
 * Campaigns, their featured attractions, participations, daily metric reports and the
 * campaigns audit trail. TypeORM's schema API, so one migration serves SQLite and MySQL.
 */
export class CreateCampaigns1733529800000 implements MigrationInterface {
  name = 'CreateCampaigns1733529800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const mysql = queryRunner.connection.driver.options.type !== 'better-sqlite3';
    const now = mysql ? 'CURRENT_TIMESTAMP(6)' : "datetime('now')";
    await queryRunner.createTable(
      new Table({
        name: 'campaign',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'slug', type: 'varchar', length: '80' },
          { name: 'name_en', type: 'varchar', length: '200' },
          { name: 'name_zh', type: 'varchar', length: '200' },
          { name: 'description_en', type: 'varchar', length: '2000', isNullable: true },
          { name: 'description_zh', type: 'varchar', length: '2000', isNullable: true },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'starts_on', type: 'date' },
          { name: 'ends_on', type: 'date' },
          { name: 'organizer_id', type: 'varchar', length: '36' },
          { name: 'sample_data', type: 'boolean', default: 0 },
          { name: 'created_at', type: 'datetime', precision: 6, default: now },
          { name: 'updated_at', type: 'datetime', precision: 6, default: now, onUpdate: mysql ? now : undefined },
        ],
        indices: [
          { name: 'uq_campaign_slug', columnNames: ['slug'], isUnique: true },
          { name: 'ix_campaign_status', columnNames: ['status'] },
          { name: 'ix_campaign_starts', columnNames: ['starts_on', 'id'] },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'campaign_destination',
        columns: [
          { name: 'campaign_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'attraction_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'position', type: 'integer' },
        ],
        indices: [{ name: 'ix_campaign_destination_attraction', columnNames: ['attraction_id'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'participation',
        columns: [
          { name: 'campaign_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'member_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'role', type: 'varchar', length: '16' },
          { name: 'joined_on', type: 'date' },
        ],
        indices: [
          { name: 'ix_participation_member', columnNames: ['member_id'] },
          { name: 'ix_participation_order', columnNames: ['campaign_id', 'joined_on', 'member_id'] },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'metric_report',
        columns: [
          { name: 'campaign_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'member_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'report_date', type: 'date', isPrimary: true },
          { name: 'impressions', type: 'double' },
          { name: 'engagements', type: 'double' },
          { name: 'clicks', type: 'double' },
          { name: 'reported_at', type: 'datetime', precision: 3 },
        ],
        indices: [{ name: 'ix_metric_report_campaign_date', columnNames: ['campaign_id', 'report_date'] }],
      }),
    );
    await createAuditTable(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_record');
    await queryRunner.dropTable('metric_report');
    await queryRunner.dropTable('participation');
    await queryRunner.dropTable('campaign_destination');
    await queryRunner.dropTable('campaign');
  }
}
