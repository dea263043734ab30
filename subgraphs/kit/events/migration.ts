import { type QueryRunner, Table } from 'typeorm';

/** The one row writers lock (MySQL) so that outbox ids commit in id order; see `./outbox`. */
export const OUTBOX_LOCK_ROW = 'append';

/**
 * Creates `outbox_event` and `outbox_lock`; the migrations of every subgraph that emits events
 * call it once (as they call `createAuditTable`).
 */
export async function createOutboxTables(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.createTable(
    new Table({
      name: 'outbox_event',
      columns: [
        { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
        { name: 'type', type: 'varchar', length: '64' },
        { name: 'aggregate_id', type: 'varchar', length: '80' },
        { name: 'payload', type: 'text' },
        { name: 'created_at', type: 'datetime', precision: 3 },
        { name: 'published_at', type: 'datetime', precision: 3, isNullable: true },
      ],
      indices: [{ name: 'ix_outbox_unpublished', columnNames: ['published_at', 'id'] }],
    }),
  );
  await queryRunner.createTable(
    new Table({
      name: 'outbox_lock',
      columns: [{ name: 'name', type: 'varchar', length: '32', isPrimary: true }],
    }),
  );
  await queryRunner.query(`INSERT INTO outbox_lock (name) VALUES ('${OUTBOX_LOCK_ROW}')`);
}

/** Drops what {@link createOutboxTables} made. */
export async function dropOutboxTables(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.dropTable('outbox_lock');
  await queryRunner.dropTable('outbox_event');
}
