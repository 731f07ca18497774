export type { RevokedAccount } from "./account-event.js";
export { accountRevokedEventOf } from "./account-event.js";
export { jobEventMsgId, jobEventOf } from "./job-event.js";
export { JOB_STATUS_TO_PROTO, SCOPE_KIND_TO_PROTO, jobStatusToProto, jobToProto } from "./job-to-proto.js";
export { leaseEventOf } from "./lease-event.js";
export type { VisibleLeaseRow } from "./lease-to-proto.js";
export { isLeaseLive, leaseToProto } from "./lease-to-proto.js";
export type { AccountDeletion, AccountEventFields } from "./outbox-events.js";
export {
  accountDeletedOutboxEvent,
  accountOutboxEvent,
  accountRevokedOutboxEvent,
  jobOutboxEvent,
  leaseOutboxEvent,
} from "./outbox-events.js";
