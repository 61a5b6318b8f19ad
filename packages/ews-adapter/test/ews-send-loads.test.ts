import { createRequire } from 'node:module';
import { DEMO } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ewsLibraryLoaded } from '../src/ews-library.js';
import { type EwsTestBed, invalidEwsRequests, startEwsTestBed } from './support/ews-test-bed.js';

/**
 * Files of ews-javascript-api (and its NTLM and XHR packages) in this process's CommonJS module cache.
 * A static `import … from 'ews-javascript-api'` anywhere on the send path would put them there too (an
 * ES module import of a CommonJS package goes through the same cache). Vitest runs every test file in
 * a fresh process, so nothing else loaded them before.
 */
function libraryModules(): string[] {
  return Object.keys(createRequire(import.meta.url).cache).filter((path) => /ews-javascript-api|@ewsjs[+/]/.test(path));
}

// Cold start (issue 15, item 18): the library is ~1000 modules, more than half a second of a fresh
// process's time; a script that sends one alert must not load it.
describe('sending over EWS never loads ews-javascript-api', () => {
  let bed: EwsTestBed;
  beforeAll(async () => {
    bed = await startEwsTestBed('oauth');
  });
  afterAll(async () => {
    await bed?.cleanup();
  });

  it('one request, a draft, a streamed attachment, a MIME message and a resend checked in Sent Items', async () => {
    expect(libraryModules()).toEqual([]);
    bed.simulator.clearRequests();
    const { transport } = bed;
    const rich = await transport.send({
      to: [{ name: 'On call', address: DEMO.secondMailbox }],
      cc: [DEMO.secondMailbox],
      bcc: [DEMO.secondMailbox],
      replyTo: [DEMO.mailbox],
      subject: 'cold start <&>',
      html: '<p>disk <b>97%</b></p><img src="cid:chart">',
      importance: 'high',
      headers: { 'X-Alert-Id': 'db-01' },
      attachments: [
        { filename: 'chart.png', content: new Uint8Array([0x89, 0x50, 0x4e, 0x47]), contentType: 'image/png', contentId: 'chart' },
        { filename: 'log.txt', content: 'line 1\nline 2' },
      ],
    });
    await transport.send({ to: [DEMO.secondMailbox], subject: 'no copy kept', text: 'x', saveToSentItems: false, attachments: [{ filename: 'a.txt', content: 'a' }] });
    const streaming = bed.newTransport({ inlineAttachmentLimitBytes: 1024 });
    await streaming.send({ to: [DEMO.secondMailbox], subject: 'streamed', text: 'x', attachments: [{ filename: 'big.bin', content: new Uint8Array(64 * 1024).fill(1) }] });
    await transport.sendMime!(`From: ${DEMO.mailbox}\r\nTo: ${DEMO.secondMailbox}\r\nSubject: mime\r\n\r\nbody\r\n`);
    const again = await transport.send({ to: [DEMO.secondMailbox], subject: 'cold start <&>', text: 'x', internetMessageId: rich.internetMessageId }, { resend: true });
    expect(again.id).toEqual(expect.any(String));

    const operations = bed.simulator
      .requests()
      .filter((request) => request.api === 'ews')
      .map((request) => request.ewsOperation);
    for (const operation of ['CreateItem', 'CreateAttachment', 'SendItem', 'FindItem']) expect(operations).toContain(operation);
    expect(invalidEwsRequests(bed.simulator)).toEqual([]);
    expect(bed.simulator.deliveries(rich.internetMessageId).mailboxes.filter((copy) => copy.mailbox === DEMO.secondMailbox).length).toBeGreaterThan(0);

    expect(ewsLibraryLoaded()).toBe(false);
    expect(libraryModules()).toEqual([]);
  });

  it('the check above sees the library when an operation that uses it runs', async () => {
    await bed.transport.probe();
    expect(ewsLibraryLoaded()).toBe(true);
    expect(libraryModules().some((path) => path.includes('ews-javascript-api'))).toBe(true);
  });
});
