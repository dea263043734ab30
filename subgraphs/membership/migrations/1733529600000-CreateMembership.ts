import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

/**
 * Members, the alliance and its convention. Written with TypeORM's schema API so that
 * one migration serves SQLite and MySQL alike.
 */
export class CreateMembership1733529600000 implements MigrationInterface {
  name = 'CreateMembership1733529600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const mysql = queryRunner.connection.driver.options.type !== 'better-sqlite3';
    const now = mysql ? 'CURRENT_TIMESTAMP(6)' : "datetime('now')";
    await queryRunner.createTable(
      new Table({
        name: 'member',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'slug', type: 'varchar', length: '80' },
          { name: 'name_en', type: 'varchar', length: '200' },
          { name: 'name_zh', type: 'varchar', length: '200' },
          { name: 'kind', type: 'varchar', length: '32' },
          { name: 'region', type: 'varchar', length: '32' },
          { name: 'website', type: 'varchar', length: '300', isNullable: true },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'joined_on', type: 'date' },
          { name: 'contact_email', type: 'varchar', length: '254', isNullable: true },
          { name: 'sample_data', type: 'boolean', default: 0 },
          { name: 'created_at', type: 'datetime', precision: 6, default: now },
          { name: 'updated_at', type: 'datetime', precision: 6, default: now, onUpdate: mysql ? now : undefined },
        ],
        indices: [
          { name: 'uq_member_slug', columnNames: ['slug'], isUnique: true },
          { name: 'ix_member_kind', columnNames: ['kind'] },
          { name: 'ix_member_region', columnNames: ['region'] },
          { name: 'ix_member_status', columnNames: ['status'] },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'alliance',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true },
          { name: 'name_en', type: 'varchar', length: '200' },
          { name: 'name_zh', type: 'varchar', length: '200' },
          { name: 'founded_on', type: 'date' },
          { name: 'mission_en', type: 'text' },
          { name: 'mission_zh', type: 'text' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'convention_article',
        columns: [
          { name: 'number', type: 'integer', isPrimary: true },
          { name: 'title_en', type: 'varchar', length: '200' },
          { name: 'title_zh', type: 'varchar', length: '200' },
          { name: 'text_en', type: 'text' },
          { name: 'text_zh', type: 'text' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('convention_article');
    await queryRunner.dropTable('alliance');
    await queryRunner.dropTable('member');
  }
}
