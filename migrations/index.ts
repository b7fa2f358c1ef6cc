// Every migration, in order. The app and `npm run migration:run` load this list, so a new migration is added
// here as well as in its own file.
import { CreateAdminSchema1795847390114 } from './1795847390114-CreateAdminSchema.js';
import { CreatePipelineSchema1795847400000 } from './1795847400000-CreatePipelineSchema.js';
import { AddEndpointRateLimit1795847728049 } from './1795847728049-AddEndpointRateLimit.js';

export const migrations = [
  CreateAdminSchema1795847390114,
  CreatePipelineSchema1795847400000,
  AddEndpointRateLimit1795847728049,
];
