import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';
import { createAuditTable } from '../../kit/audit/migration';

/**
 * Destinations, attractions, monthly visitor statistics and the tourism audit trail.
 * Written with TypeORM's schema API so that one migration serves SQLite and MySQL alike.
 */
export class CreateTourism1733529800000 implements MigrationInterface {
  name = 'CreateTourism1733529800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'destination',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'slug', type: 'varchar', length: '80' },
          { name: 'name_en', type: 'varchar', length: '200' },
          { name: 'name_zh', type: 'varchar', length: '200' },
          { name: 'province', type: 'varchar', length: '16' },
          { name: 'latitude', type: 'double' },
          { name: 'longitude', type: 'double' },
        ],
        indices: [
          { name: 'uq_destination_slug', columnNames: ['slug'], isUnique: true },
          { name: 'ix_destination_province', columnNames: ['province'] },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'attraction',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'slug', type: 'varchar', length: '80' },
          { name: 'name_en', type: 'varchar', length: '200' },
          { name: 'name_zh', type: 'varchar', length: '200' },
          { name: 'destination_id', type: 'varchar', length: '36' },
          { name: 'province', type: 'varchar', length: '16' },
          { name: 'category', type: 'varchar', length: '32' },
          { name: 'level', type: 'varchar', length: '5', isNullable: true },
          { name: 'world_heritage', type: 'boolean', default: 0 },
          { name: 'in_ba_shu_corridor', type: 'boolean', default: 0 },
          { name: 'latitude', type: 'double' },
          { name: 'longitude', type: 'double' },
        ],
        indices: [
          { name: 'uq_attraction_slug', columnNames: ['slug'], isUnique: true },
          { name: 'ix_attraction_destination', columnNames: ['destination_id'] },
          { name: 'ix_attraction_province', columnNames: ['province'] },
          { name: 'ix_attraction_category', columnNames: ['category'] },
          { name: 'ix_attraction_world_heritage', columnNames: ['world_heritage'] },
          { name: 'ix_attraction_ba_shu', columnNames: ['in_ba_shu_corridor'] },
          // The bounding-box prefilter of `near` searches.
          { name: 'ix_attraction_lat_lng', columnNames: ['latitude', 'longitude'] },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'visitor_stat',
        columns: [
          { name: 'attraction_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'month', type: 'varchar', length: '7', isPrimary: true },
          { name: 'domestic_visitors', type: 'double' },
          { name: 'inbound_visitors', type: 'double' },
          { name: 'revenue_cny', type: 'double' },
        ],
        // The primary key (attraction_id, month) serves per-attraction ranges; this one the trends.
        indices: [{ name: 'ix_visitor_stat_month', columnNames: ['month'] }],
      }),
    );
    await createAuditTable(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_record');
    await queryRunner.dropTable('visitor_stat');
    await queryRunner.dropTable('attraction');
    await queryRunner.dropTable('destination');
  }
}
