import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

/** Webhooks, their delivery log, and the dispatcher's place in each subgraph's outbox. */
export class Webhooks1764900000000 implements MigrationInterface {
  name = 'Webhooks1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'webhook',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'member_id', type: 'varchar', length: '36' },
          { name: 'url', type: 'varchar', length: '2000' },
          { name: 'events', type: 'varchar', length: '400' },
          { name: 'filter', type: 'text', isNullable: true },
          { name: 'secret_sealed', type: 'varchar', length: '200' },
          { name: 'created_at', type: 'datetime', precision: 3 },
          { name: 'disabled_at', type: 'datetime', precision: 3, isNullable: true },
        ],
        indices: [{ name: 'ix_webhook_member', columnNames: ['member_id'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'webhook_delivery',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'webhook_id', type: 'varchar', length: '36' },
          { name: 'event_id', type: 'varchar', length: '80' },
          { name: 'event_type', type: 'varchar', length: '64' },
          { name: 'body', type: 'text' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'attempts', type: 'integer' },
          { name: 'response_status', type: 'integer', isNullable: true },
          { name: 'last_error', type: 'varchar', length: '200', isNullable: true },
          { name: 'created_at', type: 'datetime', precision: 3 },
          { name: 'first_attempt_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'last_attempt_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'next_attempt_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'delivered_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'lease_until', type: 'datetime', precision: 3, isNullable: true },
        ],
        indices: [
          { name: 'uq_webhook_delivery_event', columnNames: ['webhook_id', 'event_id'], isUnique: true },
          { name: 'ix_webhook_delivery_due', columnNames: ['status', 'next_attempt_at'] },
          { name: 'ix_webhook_delivery_log', columnNames: ['webhook_id', 'created_at', 'id'] },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'webhook_cursor',
        columns: [
          { name: 'source', type: 'varchar', length: '32', isPrimary: true },
          { name: 'position', type: 'varchar', length: '40' },
          { name: 'updated_at', type: 'datetime', precision: 3 },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('webhook_cursor');
    await queryRunner.dropTable('webhook_delivery');
    await queryRunner.dropTable('webhook');
  }
}
