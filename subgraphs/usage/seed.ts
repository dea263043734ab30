import type { DataSource } from 'typeorm';
import type { SeedOptions } from '../kit/run';
import { UsageRow } from './entities';

/** True while nothing has been recorded. */
export async function isEmpty(dataSource: DataSource): Promise<boolean> {
  return (await dataSource.getRepository(UsageRow).count()) === 0;
}

/** Usage has no sample data: it is what the gateway records. */
export async function seed(_dataSource: DataSource, _options: SeedOptions): Promise<string> {
  return 'no sample data (usage is recorded by the gateway)';
}
