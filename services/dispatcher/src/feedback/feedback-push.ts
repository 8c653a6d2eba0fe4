import type { Logger } from '@isac/kernel';
import type { FeedbackService } from '@isac/feedback';
import type { JobOf } from '@isac/store';
import type { AlertPublisher } from '../mqtt/mqtt-alert-publisher.js';
import { feedbackTopic } from '../mqtt/topics.js';
import type { MailService } from '../email/mail-service.js';
import { done, retry, skipped, type JobOutcome } from '../jobs/job-worker.js';
import { renderFeedback } from './feedback-mail.js';

/** A feedback message is kept by the broker for an offline session this long at most. */
const FEEDBACK_EXPIRY_SECONDS = 7 * 24 * 3600;

/**
 * `feedback_recorded` (ADR 0046): works the object's confidence out again, then pushes the
 * submitting organisation's aggregate (only the reports it may see) on `isac/v1/orgs/{org}/feedback`
 * and by mail (Japanese and English). A report by the submitter itself pushes nothing.
 */
export class FeedbackPush {
  constructor(
    private readonly deps: {
      feedback: FeedbackService;
      publisher: AlertPublisher;
      mail: MailService;
      log: Logger;
    },
  ) {}

  async run(job: JobOf<'feedback_recorded'>): Promise<JobOutcome> {
    const { objectId, reportId } = job.payload;
    await this.deps.feedback.refreshConfidence(objectId);
    const s = await this.deps.feedback.submitterView(objectId);
    if (!s) return skipped('the object, or its submitter, is gone');
    if (await this.deps.feedback.reportedBy(reportId, s.submitter.id))
      return skipped("the submitter's own report");
    const [r] = await this.deps.publisher.publishAll([
      {
        topic: feedbackTopic(s.submitter.id),
        payload: JSON.stringify({ type: 'feedback', reportId, ...s.view }),
        contentType: 'application/json',
        messageExpirySeconds: FEEDBACK_EXPIRY_SECONDS,
      },
    ]);
    if (r && !r.ok) return retry(`feedback not published: ${r.error}`);
    await this.deps.mail.feedbackMail(
      s.submitter,
      renderFeedback({ orgName: s.submitter.name, view: s.view }),
      reportId,
    );
    return done;
  }
}
