import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';
import { createAuditTable } from '../../kit/audit/migration';

/**
 * Usage rows (minute, hour and day), recorded documents and their coordinates, received batch
 * ids, members' monthly budgets, and the audit trail every subgraph has. TypeORM's schema API, so one
 * migration serves SQLite and MySQL.
 */
export class CreateUsage1764806400000 implements MigrationInterface {
  name = 'CreateUsage1764806400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'usage_row',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'granularity', type: 'varchar', length: '6' },
          { name: 'bucket_start', type: 'datetime', precision: 3 },
          { name: 'series', type: 'varchar', length: '64' },
          { name: 'member_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'key_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'client_name', type: 'varchar', length: '100', isNullable: true },
          { name: 'client_version', type: 'varchar', length: '50', isNullable: true },
          { name: 'operation_name', type: 'varchar', length: '200', isNullable: true },
          { name: 'document_hash', type: 'varchar', length: '64', isNullable: true },
          { name: 'outcome', type: 'varchar', length: '8' },
          { name: 'refused_stage', type: 'varchar', length: '32', isNullable: true },
          { name: 'operations', type: 'integer' },
          { name: 'errors', type: 'integer' },
          { name: 'error_codes', type: 'varchar', length: '2000' },
          { name: 'bytes', type: 'double' },
          { name: 'latency', type: 'varchar', length: '1000' },
          { name: 'last_seen', type: 'datetime', precision: 3 },
          { name: 'rolled', type: 'boolean', default: 0 },
        ],
        indices: [
          { name: 'ix_usage_row_window', columnNames: ['granularity', 'bucket_start'] },
          { name: 'ix_usage_row_rollup', columnNames: ['granularity', 'rolled', 'bucket_start'] },
          { name: 'ix_usage_row_series', columnNames: ['granularity', 'series', 'bucket_start'] },
          { name: 'ix_usage_row_member', columnNames: ['member_id', 'granularity', 'bucket_start'] },
          { name: 'ix_usage_row_document', columnNames: ['document_hash', 'granularity', 'bucket_start'] },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'usage_document',
        columns: [
          { name: 'document_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'first_seen', type: 'datetime', precision: 3 },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'usage_document_field',
        columns: [
          { name: 'coordinate', type: 'varchar', length: '300', isPrimary: true },
          { name: 'document_hash', type: 'varchar', length: '64', isPrimary: true },
        ],
        indices: [{ name: 'ix_usage_document_field_document', columnNames: ['document_hash'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'usage_batch',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'received_at', type: 'datetime', precision: 3 },
        ],
        indices: [{ name: 'ix_usage_batch_received', columnNames: ['received_at'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'member_quota',
        columns: [
          { name: 'member_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'monthly_operations', type: 'integer' },
          { name: 'updated_at', type: 'datetime', precision: 3 },
        ],
      }),
    );
    await createAuditTable(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_record');
    await queryRunner.dropTable('member_quota');
    await queryRunner.dropTable('usage_batch');
    await queryRunner.dropTable('usage_document_field');
    await queryRunner.dropTable('usage_document');
    await queryRunner.dropTable('usage_row');
  }
}
