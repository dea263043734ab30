import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';
import { createAuditTable } from '../../kit/audit/migration';

/**
 * Content, its attractions and tags, the audit trail, and the full-text index: a FULLTEXT
 * index on MySQL/MariaDB (InnoDB), an FTS5 table kept in sync by triggers on SQLite. The
 * FTS5 table uses the trigram tokenizer so that Chinese text (no spaces between words) is
 * searchable by substring too.
 */
export class CreateContent1733600000000 implements MigrationInterface {
  name = 'CreateContent1733600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const sqlite = queryRunner.connection.driver.options.type === 'better-sqlite3';
    await queryRunner.createTable(
      new Table({
        name: 'content',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'author_id', type: 'varchar', length: '36' },
          { name: 'kind', type: 'varchar', length: '32' },
          { name: 'title', type: 'varchar', length: '200' },
          { name: 'summary', type: 'varchar', length: '1000', isNullable: true },
          { name: 'body', type: 'text', isNullable: true },
          { name: 'language', type: 'varchar', length: '16' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'campaign_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'published_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'sorted_at', type: 'datetime', precision: 3 },
          { name: 'created_at', type: 'datetime', precision: 3 },
          { name: 'updated_at', type: 'datetime', precision: 3 },
          { name: 'sample_data', type: 'boolean', default: 0 },
        ],
        indices: [
          { name: 'ix_content_author_sorted', columnNames: ['author_id', 'sorted_at', 'id'] },
          { name: 'ix_content_campaign_sorted', columnNames: ['campaign_id', 'sorted_at', 'id'] },
          { name: 'ix_content_status_sorted', columnNames: ['status', 'sorted_at', 'id'] },
          { name: 'ix_content_kind', columnNames: ['kind'] },
          { name: 'ix_content_language', columnNames: ['language'] },
          { name: 'ix_content_published_at', columnNames: ['published_at'] },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'content_attraction',
        columns: [
          { name: 'content_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'attraction_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'position', type: 'integer' },
        ],
        indices: [{ name: 'ix_content_attraction_attraction', columnNames: ['attraction_id', 'content_id'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'content_tag',
        columns: [
          { name: 'content_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'tag', type: 'varchar', length: '40', isPrimary: true },
          { name: 'position', type: 'integer' },
        ],
        indices: [{ name: 'ix_content_tag_tag', columnNames: ['tag', 'content_id'] }],
      }),
    );
    await createAuditTable(queryRunner);

    if (sqlite) {
      // External-content FTS5 table over content's rowid; triggers keep it in step.
      await queryRunner.query(
        `CREATE VIRTUAL TABLE content_fts USING fts5(title, summary, body, content='content', content_rowid='rowid', tokenize='trigram')`,
      );
      await queryRunner.query(
        `CREATE TRIGGER content_fts_insert AFTER INSERT ON content BEGIN
           INSERT INTO content_fts(rowid, title, summary, body) VALUES (new.rowid, new.title, new.summary, new.body);
         END`,
      );
      await queryRunner.query(
        `CREATE TRIGGER content_fts_delete AFTER DELETE ON content BEGIN
           INSERT INTO content_fts(content_fts, rowid, title, summary, body) VALUES ('delete', old.rowid, old.title, old.summary, old.body);
         END`,
      );
      await queryRunner.query(
        `CREATE TRIGGER content_fts_update AFTER UPDATE OF title, summary, body ON content BEGIN
           INSERT INTO content_fts(content_fts, rowid, title, summary, body) VALUES ('delete', old.rowid, old.title, old.summary, old.body);
           INSERT INTO content_fts(rowid, title, summary, body) VALUES (new.rowid, new.title, new.summary, new.body);
         END`,
      );
    } else {
      await queryRunner.query('CREATE FULLTEXT INDEX ft_content_text ON content (title, summary, body)');
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.driver.options.type === 'better-sqlite3') {
      await queryRunner.query('DROP TABLE content_fts');
    }
    await queryRunner.dropTable('audit_record');
    await queryRunner.dropTable('content_tag');
    await queryRunner.dropTable('content_attraction');
    await queryRunner.dropTable('content');
  }
}
