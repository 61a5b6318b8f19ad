export type { BufferedHttpResponse, HttpClient, BufferedRequestInit } from './http-client.js';
export type { HttpClientOptions } from './http-client-options.js';
export { createHttpClient } from './create-http-client.js';
export { requestBuffered } from './request-buffered.js';
export { readBody, readText, type ReadBodyOptions } from './read-body.js';
export { safeUrl, stripUrls } from './safe-url.js';
export { buildUserAgent } from './user-agent.js';
export { CA_FILE_HINT } from './map-network-error.js';
export { isRedirectStatus, redirectRefused } from './redirect-refused.js';
