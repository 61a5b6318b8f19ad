import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Dispatcher } from 'undici';
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
  const tooLarge = () => responseTooLarge(response.url, response.status, maxBytes);
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body) return new Uint8Array(0);
  return collect(response.body as unknown as AsyncIterable<Uint8Array>, maxBytes, tooLarge);
}

/** {@link readBody} decoded as UTF-8 text. */
export async function readText(response: Response, options: ReadBodyOptions): Promise<string> {
  return new TextDecoder().decode(await readBody(response, options));
}

const DECODERS: Record<string, () => Transform> = {
  gzip: () => createGunzip(),
  'x-gzip': () => createGunzip(),
  deflate: () => createInflate(),
  br: () => createBrotliDecompress(),
};

/**
 * Reads the body of an undici `Dispatcher.request` answer whole, decompressing gzip/deflate/br,
 * refusing more than `maxBytes` (declared, received, or once decompressed: a small compressed answer
 * cannot expand without bound). `decoded` says the bytes are no longer what the headers describe.
 */
export async function readDispatcherBody(body: Dispatcher.ResponseData['body'], headers: Record<string, string | string[] | undefined>, maxBytes: number, url: string, status: number): Promise<{ bytes: Uint8Array; decoded: boolean }> {
  const tooLarge = () => responseTooLarge(url, status, maxBytes);
  const encoding = String(headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  const decoder = encoding && encoding !== 'identity' ? DECODERS[encoding] : undefined;
  if (encoding && encoding !== 'identity' && !decoder) {
    body.destroy();
    throw new MailbridgeError({
      code: 'INVALID_RESPONSE',
      message: `The response of ${safeUrl(url)} is encoded as "${encoding.slice(0, 40)}", which was not asked for.`,
      hint: 'Check the endpoint URL (endpoints.* in the config) and any proxy in between.',
      details: { status },
    });
  }
  if (Number(headers['content-length']) > maxBytes) {
    body.destroy();
    throw tooLarge();
  }
  let source: AsyncIterable<Uint8Array> & { destroy(): void } = body;
  if (decoder) {
    const decoding = decoder();
    // pipe() does not pass the source's errors on: a connection cut mid-body must end the read.
    body.on('error', (error) => decoding.destroy(error));
    source = body.pipe(decoding);
  }
  try {
    return { bytes: await collect(source, maxBytes, tooLarge), decoded: Boolean(decoder) };
  } catch (error) {
    body.destroy();
    source.destroy();
    if (MailbridgeError.isInstance(error)) throw error;
    // A corrupt compressed body is an invalid answer, not a network failure.
    const code = (error as { code?: unknown }).code;
    if (decoder && typeof code === 'string' && /^(Z_|ERR__ERROR)/.test(code)) {
      throw new MailbridgeError({ code: 'INVALID_RESPONSE', message: `The ${encoding} response of ${safeUrl(url)} cannot be decompressed.`, hint: 'Check the endpoint URL and any proxy in between.', details: { status }, cause: error });
    }
    throw error;
  }
}

/** The chunks of `source` in one array, failing with `tooLarge()` past `maxBytes` (leaving the loop cancels the source). */
async function collect(source: AsyncIterable<Uint8Array>, maxBytes: number, tooLarge: () => MailbridgeError): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of source) {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, total);
}

function responseTooLarge(url: string, status: number, maxBytes: number): MailbridgeError {
  return new MailbridgeError({
    code: 'INVALID_RESPONSE',
    message: `The response of ${url ? safeUrl(url) : 'the service'} is larger than the ${maxBytes} bytes accepted for it.`,
    hint: 'The endpoint answered with far more data than this kind of response can hold: check the endpoint URL (endpoints.* in the config) and any proxy in between.',
    details: { status, maxBytes },
  });
}
