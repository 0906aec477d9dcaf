export { OffsetTracker, type OffsetTrackerState } from './offset-tracker.js';
