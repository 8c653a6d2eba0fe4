export {
  FeedbackService,
  feedbackProperty,
  invalidReport,
  type FeedbackView,
  type RecordedReport,
} from './feedback-service.js';
export { readReport, MAX_COUNT, MAX_REASON, type InputProblem, type ReportInput } from './report-input.js';
export { readSightingMessage, MAX_SIGHTING_MESSAGE } from './sighting-message.js';
