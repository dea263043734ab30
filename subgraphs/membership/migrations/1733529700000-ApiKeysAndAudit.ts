import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';
import { createAuditTable } from '../../kit/audit/migration';

/** API keys (hashed) and the membership audit trail. */
export class ApiKeysAndAudit1733529700000 implements MigrationInterface {
  name = 'ApiKeysAndAudit1733529700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'api_key',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'member_id', type: 'varchar', length: '36' },
          { name: 'label', type: 'varchar', length: '100' },
          { name: 'role', type: 'varchar', length: '16' },
          { name: 'prefix', type: 'varchar', length: '16' },
          { name: 'secret_hash', type: 'varchar', length: '64' },
          { name: 'created_at', type: 'datetime', precision: 3 },
          { name: 'last_used_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'revoked_at', type: 'datetime', precision: 3, isNullable: true },
        ],
        indices: [
          { name: 'ix_api_key_member', columnNames: ['member_id'] },
          { name: 'uq_api_key_prefix', columnNames: ['prefix'], isUnique: true },
        ],
      }),
    );
    await createAuditTable(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_record');
    await queryRunner.dropTable('api_key');
  }
}
