import { DomainError, type FieldError } from '../../common/errors/domain-error.js';

export enum FlowErrorCode {
  FlowNotFound = 'flow-not-found',
  FlowInvalid = 'flow-invalid',
  FlowInUse = 'flow-in-use',
}

export class FlowNotFoundError extends DomainError {
  constructor(id: string) {
    super('not_found', FlowErrorCode.FlowNotFound, `Flow ${id} does not exist.`);
  }
}

/** The definition is well-formed JSON but not a runnable graph (dangling `next`, unknown node type, …). */
export class FlowInvalidError extends DomainError {
  constructor(errors: FieldError[]) {
    super('unprocessable', FlowErrorCode.FlowInvalid, 'The flow definition does not validate.', errors);
  }
}

export interface FlowUser {
  kind: 'endpoint' | 'flow';
  id: string;
  name: string;
}

const LISTED_USERS = 10;

export class FlowInUseError extends DomainError {
  constructor(
    id: string,
    readonly users: FlowUser[],
  ) {
    const listed = users.slice(0, LISTED_USERS).map((user) => `${user.kind} "${user.name}" (${user.id})`);
    const more = users.length > LISTED_USERS ? ` and ${users.length - LISTED_USERS} more` : '';
    super(
      'conflict',
      FlowErrorCode.FlowInUse,
      `Flow ${id} is in use by ${listed.join(', ')}${more}; point them at another flow first.`,
      users.map((user) => ({
        field: `${user.kind}s`,
        message: `${user.kind} "${user.name}" (${user.id}) uses this flow`,
      })),
    );
  }
}
