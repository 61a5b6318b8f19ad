import { createRequire } from 'node:module';
import type * as Ews from 'ews-javascript-api';
import type { ExchangeService, IXHRApi } from 'ews-javascript-api';
import { enableXmlEscaping } from './xml/escaping-xml-writer.js';
import { installQuietDomParser } from './xml/quiet-dom-parser.js';

let library: typeof Ews | undefined;

/**
 * ews-javascript-api, loaded on first use. It is about a thousand modules (with moment-timezone,
 * axios and their kin), which took a fresh process half a second and more to load: sending builds its
 * SOAP by hand and never needs it, so a script or cron job that sends one alert and exits never pays
 * for it (bench/cold-send.mjs). Receiving, syncing, moving and probing use it; their files import it
 * and are themselves loaded only when first called (see `ews-transport.ts`). Every class taken from
 * here is the same instance those imports get (one CommonJS module cache).
 */
export function ewsLibrary(): typeof Ews {
  library ??= createRequire(import.meta.url)('ews-javascript-api') as typeof Ews;
  return library;
}

/** Whether ews-javascript-api has been loaded in this process (for tests of what sending loads). */
export function ewsLibraryLoaded(): boolean {
  return library !== undefined;
}

/** What {@link createLibraryService} needs of a transport. */
export interface LibraryServiceSettings {
  url: string;
  /** An `ExchangeVersion` name, already checked with {@link isEwsVersionName}. */
  versionName: string;
  userAgent: string;
  /** SMTP address to impersonate, when impersonating. */
  impersonate?: string;
  /** The HTTP layer the library's requests go through. */
  xhr: IXHRApi;
}

/**
 * The library's `ExchangeService` on mailbridge's HTTP layer: credentials that add nothing (the HTTP
 * layer authenticates every request), XML escaping of every written value, and parser messages sent
 * to the logger instead of the console.
 */
export function createLibraryService(settings: LibraryServiceSettings): ExchangeService {
  const ews = ewsLibrary();
  /** Authentication is applied by the HTTP layer (a fresh token per request, Basic or NTLM), never by the library. */
  class AppliedByHttpLayer extends ews.ExchangeCredentials {
    override PrepareWebRequest(): void {}
  }
  const version = (ews.ExchangeVersion as unknown as Record<string, Ews.ExchangeVersion>)[settings.versionName]!;
  const service = new ews.ExchangeService(version);
  service.Url = new ews.Uri(settings.url);
  service.Credentials = new AppliedByHttpLayer();
  service.XHRApi = settings.xhr;
  service.UserAgent = settings.userAgent;
  if (settings.impersonate) service.ImpersonatedUserId = new ews.ImpersonatedUserId(ews.ConnectingIdType.SmtpAddress, settings.impersonate);
  enableXmlEscaping(service);
  installQuietDomParser();
  return service;
}
