// The api's wire types, shared with the server. Only these dependency-free files of
// libs/contracts are imported (its index pulls in Node-only code); only the class list is bundled.
export type {
  FleetSnapshot,
  FleetWorker,
  WaitingJob,
} from '../../../../../libs/contracts/src/fleet-snapshot.js';
export type {
  DecisionRecord,
  QueueDepthSample,
} from '../../../../../libs/contracts/src/fleet-records.js';
export {
  PRIORITY_CLASSES,
  type PriorityClass,
} from '../../../../../libs/contracts/src/priority-class.js';
