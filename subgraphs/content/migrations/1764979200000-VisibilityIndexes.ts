import { type MigrationInterface, type QueryRunner, TableIndex } from 'typeorm';

/**
 * Indexes that let the hot per-parent reads decide visibility without reading content rows
 * (issue 18). `ix_content_author_status` covers a member's `contents { totalCount }`: its
 * grouped count filters on status, which `ix_content_author_sorted` lacks, so every one of
 * the author's rows was read (0.46× the time per count at benchmark scale, SQLite).
 * `ix_content_visibility`, on SQLite only, covers the by-id probes of a tag feed's `totalCount`
 * (the ids come from `content_tag`): status and author come off the index instead of the row,
 * whose body is most of its size (0.61×). MySQL/MariaDB do not need it: InnoDB's primary key
 * is the clustered row itself, and MariaDB's planner kept the primary key when it existed.
 */
export class VisibilityIndexes1764979200000 implements MigrationInterface {
  name = 'VisibilityIndexes1764979200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex(
      'content',
      new TableIndex({ name: 'ix_content_author_status', columnNames: ['author_id', 'status'] }),
    );
    if (queryRunner.connection.driver.options.type === 'better-sqlite3') {
      await queryRunner.createIndex(
        'content',
        new TableIndex({ name: 'ix_content_visibility', columnNames: ['id', 'status', 'author_id'] }),
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.driver.options.type === 'better-sqlite3') {
      await queryRunner.dropIndex('content', 'ix_content_visibility');
    }
    await queryRunner.dropIndex('content', 'ix_content_author_status');
  }
}
