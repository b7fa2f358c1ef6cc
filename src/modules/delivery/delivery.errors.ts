import { DomainError } from '../../common/errors/domain-error.js';

export enum DeliveryErrorCode {
  DeliveryNotFound = 'delivery-not-found',
  DeliveryAlreadyDelivered = 'delivery-already-delivered',
}

export class DeliveryNotFoundError extends DomainError {
  constructor(id: string) {
    super('not_found', DeliveryErrorCode.DeliveryNotFound, `Delivery ${id} does not exist.`);
  }
}

export class DeliveryAlreadyDeliveredError extends DomainError {
  constructor(id: string) {
    super('conflict', DeliveryErrorCode.DeliveryAlreadyDelivered, `Delivery ${id} was already delivered.`);
  }
}
