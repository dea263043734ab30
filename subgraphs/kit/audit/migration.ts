import { type QueryRunner, Table } from 'typeorm';

/** Creates the `audit_record` table; every subgraph's migrations call it once. */
export async function createAuditTable(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.createTable(
    new Table({
      name: 'audit_record',
      columns: [
        { name: 'id', type: 'varchar', length: '36', isPrimary: true },
        { name: 'at', type: 'datetime', precision: 3 },
        { name: 'actor_member_id', type: 'varchar', length: '36', isNullable: true },
        { name: 'actor_role', type: 'varchar', length: '16', isNullable: true },
        { name: 'actor_key_id', type: 'varchar', length: '36', isNullable: true },
        { name: 'operation', type: 'varchar', length: '64' },
        { name: 'target_type', type: 'varchar', length: '32' },
        { name: 'target_id', type: 'varchar', length: '80', isNullable: true },
        { name: 'outcome', type: 'varchar', length: '16' },
        { name: 'error_code', type: 'varchar', length: '32', isNullable: true },
        { name: 'request_id', type: 'varchar', length: '128' },
        { name: 'detail', type: 'varchar', length: '500', isNullable: true },
      ],
      indices: [
        { name: 'ix_audit_at', columnNames: ['at', 'id'] },
        { name: 'ix_audit_actor', columnNames: ['actor_member_id'] },
        { name: 'ix_audit_operation', columnNames: ['operation'] },
        { name: 'ix_audit_target', columnNames: ['target_id'] },
      ],
    }),
  );
}
