import { MailbridgeError } from '../errors/index.js';
import { safeUrl } from './safe-url.js';

/** Options of {@link readBody} and {@link readText}. */
export interface ReadBodyOptions {
  /** Largest body accepted, in bytes. */
  maxBytes: number;
}

/**
 * Reads a whole response body, refusing one larger than `maxBytes` (from `content-length` before
 * reading, or while reading when it is absent or wrong), so a broken or hostile server cannot
 * exhaust memory. A body too large rejects with INVALID_RESPONSE and the rest is not downloaded.
 */
export async function readBody(response: Response, options: ReadBodyOptions): Promise<Uint8Array> {
  const { maxBytes } = options;
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(response, maxBytes);
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(response, maxBytes);
    }
    chunks.push(value);
  }
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** {@link readBody} decoded as UTF-8 text. */
export async function readText(response: Response, options: ReadBodyOptions): Promise<string> {
  return new TextDecoder().decode(await readBody(response, options));
}

function tooLarge(response: Response, maxBytes: number): MailbridgeError {
  return new MailbridgeError({
    code: 'INVALID_RESPONSE',
    message: `The response of ${response.url ? safeUrl(response.url) : 'the service'} is larger than the ${maxBytes} bytes accepted for it.`,
    hint: 'The endpoint answered with far more data than this kind of response can hold: check the endpoint URL (endpoints.* in the config) and any proxy in between.',
    details: { status: response.status, maxBytes },
  });
}
