import type { OpenHarness } from './harness.js';
import { objectStoreContract } from './object-store.contract.js';
import { jobStoreContract } from './job-store.contract.js';
import { deliveryStoreContract } from './delivery-store.contract.js';
import { batchDeliveryContract } from './batch-delivery.contract.js';
import { membershipContract } from './membership.contract.js';
import { exerciseContract } from './exercise.contract.js';
import { observableIndexContract } from './observable-index.contract.js';
import { correlationContract } from './correlation.contract.js';
import { retentionContract } from './retention.contract.js';
import { approvalContract } from './approval.contract.js';
import { feedContract } from './feed.contract.js';
import { partnerContract } from './partner.contract.js';
import { feedbackContract } from './feedback.contract.js';
import { expiryContract } from './expiry.contract.js';
import { browseContract } from './browse.contract.js';
import { eventsContract } from './events.contract.js';

export type { OpenHarness, StoreHarness } from './harness.js';

/** Every port's contract, against one adapter. */
export function storeContracts(name: string, open: OpenHarness): void {
  objectStoreContract(name, open);
  jobStoreContract(name, open);
  deliveryStoreContract(name, open);
  batchDeliveryContract(name, open);
  membershipContract(name, open);
  exerciseContract(name, open);
  observableIndexContract(name, open);
  correlationContract(name, open);
  retentionContract(name, open);
  approvalContract(name, open);
  feedContract(name, open);
  partnerContract(name, open);
  feedbackContract(name, open);
  expiryContract(name, open);
  browseContract(name, open);
  eventsContract(name, open);
}
