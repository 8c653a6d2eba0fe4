import { expect } from 'chai';
import { escapeHtml, headerSafe, renderAlert, renderNotice } from './render.js';

describe('mail rendering', () => {
  const object = {
    type: 'indicator',
    id: 'indicator--1',
    name: 'Evil <script>alert(1)</script>\r\nBcc: victim@example.com',
    pattern: "[domain-name:value = 'a.example']",
  };
  it('strips CR/LF from header values so no header can be injected', () => {
    const m = renderAlert({
      object,
      bundle: {},
      tlp: 'green',
      alertId: 'a1',
      exercise: false,
      observables: [],
      lang: 'en',
    });
    expect(m.subject).to.not.match(/[\r\n]/);
    expect(headerSafe('a\r\nBcc: x')).to.equal('a Bcc: x');
  });
  it('escapes every value in HTML', () => {
    const m = renderAlert({
      object,
      bundle: {},
      tlp: 'green',
      alertId: 'a1',
      exercise: false,
      observables: [{ kind: 'domain', value: '<b>x</b>' }],
      lang: 'both',
    });
    expect(m.html).to.not.include('<script>');
    expect(m.html).to.include('&#60;script&#62;');
    expect(m.html).to.include('&#60;b&#62;x&#60;/b&#62;');
    expect(escapeHtml(`"'&`)).to.equal('&#34;&#39;&#38;');
  });
  it('writes Japanese, English or both, and marks exercises', () => {
    expect(
      renderAlert({
        object,
        bundle: {},
        tlp: 'clear',
        alertId: 'a',
        exercise: true,
        observables: [],
        lang: 'both',
      }).subject,
    ).to.match(/^\[ISAC\]\[演習\/EXERCISE\]\[TLP:CLEAR\] 新しい脅威指標 \/ New indicator: Evil/);
    expect(
      renderAlert({
        object,
        bundle: {},
        tlp: 'clear',
        alertId: 'a',
        exercise: false,
        observables: [],
        lang: 'en',
      }).text,
    ).to.not.match(/脅威/);
  });
  it('a notice carries no content of the object', () => {
    const n = renderNotice({
      objectId: 'indicator--1',
      tlp: 'red',
      alertId: 'a',
      exercise: false,
      lang: 'both',
      taxiiUrl: 'https://hub/taxii2/',
    });
    expect(n.text + n.html + n.subject).to.not.include('Evil');
    expect(n.text).to.include('https://hub/taxii2/');
    expect(n.attachments).to.have.length(0);
  });
});
