import { QueryCounter, asBackgroundWork } from '../../subgraphs/kit/database';

describe('the SQL statement counter', () => {
  it("counts operations' statements, not those of background work or what it schedules", async () => {
    const counter = new QueryCounter();
    counter.logQuery('SELECT * FROM member WHERE id = ?');
    await asBackgroundWork(async () => {
      counter.logQuery('SELECT * FROM webhook_delivery');
      // A poll timer started by background work stays background work.
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          counter.logQuery('SELECT * FROM webhook_cursor');
          resolve();
        }, 1),
      );
    });
    counter.logQuery('COMMIT');
    counter.logQuery('SELECT * FROM content WHERE id = ?');
    expect(counter.count).toBe(2);
  });
});
