// Every migration, in order. The app and `npm run migration:run` load this list, so a new migration is added
// here as well as in its own file.
import { CreateAdminSchema1795847390114 } from './1795847390114-CreateAdminSchema.js';
import { CreatePipelineSchema1795847400000 } from './1795847400000-CreatePipelineSchema.js';
import { AddEndpointRateLimit1795847728049 } from './1795847728049-AddEndpointRateLimit.js';
import { AddTransformerRuntimeData1795849374588 } from './1795849374588-AddTransformerRuntimeData.js';
import { CreateConversationRecords1795849477012 } from './1795849477012-CreateConversationRecords.js';
import { TuneInboxIndexes1795852315490 } from './1795852315490-TuneInboxIndexes.js';
import { LeaveRoomForHotUpdates1795860000000 } from './1795860000000-LeaveRoomForHotUpdates.js';
import { DropUnusedPendingIndexes1795870000000 } from './1795870000000-DropUnusedPendingIndexes.js';
import { RecordDeliveringAttemptOnOutbox1795880000000 } from './1795880000000-RecordDeliveringAttemptOnOutbox.js';
import { DropRecordForeignKeys1795880100000 } from './1795880100000-DropRecordForeignKeys.js';
import { AddSessionLeaseToken1795880200000 } from './1795880200000-AddSessionLeaseToken.js';
import { OneAnalyticsEventPerTurn1795880300000 } from './1795880300000-OneAnalyticsEventPerTurn.js';

export const migrations = [
  CreateAdminSchema1795847390114,
  CreatePipelineSchema1795847400000,
  AddEndpointRateLimit1795847728049,
  AddTransformerRuntimeData1795849374588,
  CreateConversationRecords1795849477012,
  TuneInboxIndexes1795852315490,
  LeaveRoomForHotUpdates1795860000000,
  DropUnusedPendingIndexes1795870000000,
  RecordDeliveringAttemptOnOutbox1795880000000,
  DropRecordForeignKeys1795880100000,
  AddSessionLeaseToken1795880200000,
  OneAnalyticsEventPerTurn1795880300000,
];
