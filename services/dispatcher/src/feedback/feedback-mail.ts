import type { FeedbackView } from '@isac/feedback';
import { escapeHtml, headerSafe, htmlDoc, type RenderedMail } from '../email/render.js';

/**
 * The mail of a feedback push (ADR 0046), Japanese first then English: how many organisations
 * saw the object, in which sectors, how many flagged it a false positive, and its confidence.
 * Counts only: never an organisation, never the object's content.
 */
export function renderFeedback(i: { readonly orgName: string; readonly view: FeedbackView }): RenderedMail {
  const a = i.view.aggregate;
  const sectors = a.sectors.map((s) => `${s.sector} (${s.organisations})`).join(', ') || '-';
  const seen = a.firstSeen ? `${a.firstSeen} – ${a.lastSeen ?? a.firstSeen}` : '-';
  const subject = headerSafe(
    `[ISAC] 目撃情報・誤検知の報告 / Sightings and false positives: ${i.view.objectId}`,
  );
  const ja = [
    `${i.orgName} 御中`,
    '',
    `貴組織が共有したオブジェクト ${i.view.objectId} について、受信組織から報告がありました。`,
    `目撃した組織数: ${a.organisations}（目撃回数の合計 ${a.sightings}）`,
    `業種: ${sectors}`,
    `誤検知と報告した組織数: ${a.falsePositives}`,
    `観測期間: ${seen}`,
    `信頼度（confidence）: ${i.view.confidence}`,
    '報告した組織名は共有されません。',
  ].join('\n');
  const en = [
    `To ${i.orgName},`,
    '',
    `Recipients reported on object ${i.view.objectId} that your organisation shared.`,
    `Organisations that saw it: ${a.organisations} (${a.sightings} sightings in all)`,
    `Sectors: ${sectors}`,
    `Organisations that flagged it a false positive: ${a.falsePositives}`,
    `Seen: ${seen}`,
    `Confidence: ${i.view.confidence}`,
    'The reporting organisations are not named.',
  ].join('\n');
  return {
    subject,
    text: `${ja}\n\n----------------------------------------\n\n${en}`,
    html: htmlDoc(
      subject,
      `<p>${escapeHtml(ja).replace(/\n/g, '<br>')}</p><hr><p>${escapeHtml(en).replace(/\n/g, '<br>')}</p>`,
    ),
    attachments: [],
  };
}
