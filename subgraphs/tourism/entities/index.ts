import { AuditRecord } from '../../kit/audit/AuditRecord';
import { Attraction } from './Attraction';
import { Destination } from './Destination';
import { VisitorStat } from './VisitorStat';

export { Attraction, Destination, VisitorStat };
export { ATTRACTION_CATEGORIES, ATTRACTION_LEVELS, type AttractionCategory } from './Attraction';
export { PROVINCES, type Province } from './Destination';

/** Every entity of the tourism database, for the DataSource. */
export const entities = [Destination, Attraction, VisitorStat, AuditRecord];
