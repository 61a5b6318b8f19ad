import { createRequire } from 'node:module';
import { callContext } from '../http/call-context.js';

/**
 * ews-javascript-api parses every SOAP text with `new DOMParser()` from @xmldom/xmldom and gives it no
 * error handler, so xmldom prints each recoverable problem of a malformed answer to the console
 * (`[xmldom error]`, `[xmldom warning]`): hundreds of lines on the user's stderr for one broken
 * answer, outside mailbridge's logger and its redaction. The library reads the parser from its
 * `ExtensionMethods` module at each parse, so it is replaced there by a subclass that, inside a
 * mailbridge EWS call, sends those messages to the call's logger at debug level (a few per parse).
 * Outside a mailbridge call (another user of the library in the same process) nothing changes.
 * Fatal errors still throw xmldom's ParseError, as without a handler: the answer is refused as before.
 */

const PATCH_MARK = Symbol.for('mailbridge.ews.quietDomParser');
/** Parser messages logged per parse; the rest are counted. */
const MAX_LOGGED_PER_PARSE = 5;
/** Longest parser message logged (xmldom quotes the text around the error). */
const MAX_MESSAGE_CHARS = 300;

type DomParserClass = new (options?: Record<string, unknown>) => { parseFromString(source: string, mimeType: string): unknown };

let installed = false;

/** Makes ews-javascript-api's XML parsing report to the logger of the current call instead of the console. */
export function installQuietDomParser(): void {
  if (installed) return;
  installed = true;
  // Both modules are the library's own instances (its ExtensionMethods and its copy of xmldom),
  // reached through the library's location: deep requires, as neither is exported from its index.
  const libraryRequire = createRequire(createRequire(import.meta.url).resolve('ews-javascript-api'));
  const extensionMethods = libraryRequire('./ExtensionMethods.js') as { DOMParser: DomParserClass & { [PATCH_MARK]?: true } };
  const { ParseError } = libraryRequire('@xmldom/xmldom/lib/sax.js') as { ParseError: new (message: string, locator?: unknown) => Error };
  const Original = extensionMethods.DOMParser;
  if (!Original || Original[PATCH_MARK]) return; // a browser build, or another copy of this adapter patched it
  class QuietDomParser extends Original {
    static override readonly [PATCH_MARK] = true as const;
    constructor(options?: Record<string, unknown>) {
      const context = callContext.getStore();
      if (!context || options?.errorHandler) {
        super(options);
        return;
      }
      let seen = 0;
      const report = (level: 'warning' | 'error') => (message: string) => {
        seen += 1;
        if (seen <= MAX_LOGGED_PER_PARSE) {
          context.logger?.debug(`EWS answer: XML parser ${level}`, { detail: String(message).slice(0, MAX_MESSAGE_CHARS) });
        } else if (seen === MAX_LOGGED_PER_PARSE + 1) {
          context.logger?.debug('EWS answer: further XML parser messages not logged');
        }
      };
      super({
        locator: {},
        ...options,
        errorHandler: {
          warning: report('warning'),
          error: report('error'),
          fatalError: (message: string) => {
            throw new ParseError(message);
          },
        },
      });
    }
  }
  extensionMethods.DOMParser = QuietDomParser;
}
