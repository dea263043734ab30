import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createOutboxTables, dropOutboxTables } from '../../kit/events/migration';

/** The outbox: events written with the changes that make them, published by the relay (`kit/events/`). */
export class Outbox1764720000000 implements MigrationInterface {
  name = 'Outbox1764720000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await createOutboxTables(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropOutboxTables(queryRunner);
  }
}
