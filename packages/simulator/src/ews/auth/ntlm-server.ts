import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import jsMd4 from 'js-md4';

/**
 * The server side of NTLM (MS-NLMP) as IIS does it for Exchange: NEGOTIATE (type 1) → CHALLENGE
 * (type 2) → AUTHENTICATE (type 3), on one keep-alive connection. Only NTLMv2 responses are
 * accepted (LmCompatibilityLevel 5, the default of current Windows Server): a 24-byte NTLMv1 answer
 * is refused. MD4 for the NT hash comes from js-md4 because OpenSSL 3 ships MD4 only in its legacy
 * provider, which Node does not load.
 */

const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');

const NEGOTIATE_UNICODE = 0x00000001;
const REQUEST_TARGET = 0x00000004;
const NEGOTIATE_NTLM = 0x00000200;
const NEGOTIATE_ALWAYS_SIGN = 0x00008000;
const TARGET_TYPE_DOMAIN = 0x00010000;
const NEGOTIATE_EXTENDED_SESSIONSECURITY = 0x00080000;
const NEGOTIATE_TARGET_INFO = 0x00800000;
const NEGOTIATE_VERSION = 0x02000000;
const NEGOTIATE_128 = 0x20000000;
const NEGOTIATE_56 = 0x80000000;

/** The NetBIOS domain the simulated Exchange server belongs to. */
export const NTLM_DOMAIN = 'MAILBRIDGE';
const NTLM_SERVER = 'EXSIM01';

/** The decoded type of an `Authorization: NTLM <base64>` token, or undefined when it is not NTLMSSP. */
export function ntlmMessageType(token: Buffer): 1 | 2 | 3 | undefined {
  if (token.length < 12 || !token.subarray(0, 8).equals(SIGNATURE)) return undefined;
  const type = token.readUInt32LE(8);
  return type === 1 || type === 2 || type === 3 ? type : undefined;
}

function avPair(id: number, value: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16LE(id, 0);
  header.writeUInt16LE(value.length, 2);
  return Buffer.concat([header, value]);
}

function utf16(text: string): Buffer {
  return Buffer.from(text, 'utf16le');
}

/** Builds a CHALLENGE message with a fresh 8-byte server challenge. */
export function createChallenge(): { message: Buffer; challenge: Buffer } {
  const challenge = randomBytes(8);
  const targetName = utf16(NTLM_DOMAIN);
  const timestamp = Buffer.alloc(8);
  // FILETIME: 100 ns intervals since 1601-01-01.
  timestamp.writeBigUInt64LE((BigInt(Date.now()) + 11_644_473_600_000n) * 10_000n);
  const targetInfo = Buffer.concat([
    avPair(2, utf16(NTLM_DOMAIN)), // MsvAvNbDomainName
    avPair(1, utf16(NTLM_SERVER)), // MsvAvNbComputerName
    avPair(4, utf16('mailbridge.local')), // MsvAvDnsDomainName
    avPair(3, utf16(`${NTLM_SERVER.toLowerCase()}.mailbridge.local`)), // MsvAvDnsComputerName
    avPair(7, timestamp), // MsvAvTimestamp
    avPair(0, Buffer.alloc(0)), // MsvAvEOL
  ]);
  const headerLength = 56;
  const message = Buffer.alloc(headerLength + targetName.length + targetInfo.length);
  SIGNATURE.copy(message, 0);
  message.writeUInt32LE(2, 8);
  message.writeUInt16LE(targetName.length, 12);
  message.writeUInt16LE(targetName.length, 14);
  message.writeUInt32LE(headerLength, 16);
  const flags = NEGOTIATE_UNICODE | REQUEST_TARGET | NEGOTIATE_NTLM | NEGOTIATE_ALWAYS_SIGN | TARGET_TYPE_DOMAIN | NEGOTIATE_EXTENDED_SESSIONSECURITY | NEGOTIATE_TARGET_INFO | NEGOTIATE_VERSION | NEGOTIATE_128 | NEGOTIATE_56;
  message.writeUInt32LE(flags >>> 0, 20);
  challenge.copy(message, 24);
  // 32..39 reserved (context), zero.
  message.writeUInt16LE(targetInfo.length, 40);
  message.writeUInt16LE(targetInfo.length, 42);
  message.writeUInt32LE(headerLength + targetName.length, 44);
  // Version: Windows Server 2019 (10.0 build 17763), NTLM revision 15.
  message.writeUInt8(10, 48);
  message.writeUInt8(0, 49);
  message.writeUInt16LE(17763, 50);
  message.writeUInt8(15, 55);
  targetName.copy(message, headerLength);
  targetInfo.copy(message, headerLength + targetName.length);
  return { message, challenge };
}

function field(message: Buffer, offset: number): Buffer {
  const length = message.readUInt16LE(offset);
  const start = message.readUInt32LE(offset + 4);
  if (start + length > message.length) throw new Error('NTLM field out of range');
  return message.subarray(start, start + length);
}

/** The fields of an AUTHENTICATE message that verification needs. */
export interface NtlmAuthenticate {
  user: string;
  domain: string;
  workstation: string;
  ntResponse: Buffer;
}

/** Decodes an AUTHENTICATE message; throws on a truncated or malformed one. */
export function parseAuthenticate(message: Buffer): NtlmAuthenticate {
  if (ntlmMessageType(message) !== 3 || message.length < 64) throw new Error('not an NTLM AUTHENTICATE message');
  const flags = message.readUInt32LE(60);
  const unicode = (flags & NEGOTIATE_UNICODE) !== 0;
  const decode = (buffer: Buffer): string => (unicode ? buffer.toString('utf16le') : buffer.toString('latin1'));
  return {
    ntResponse: Buffer.from(field(message, 20)),
    domain: decode(field(message, 28)),
    user: decode(field(message, 36)),
    workstation: decode(field(message, 44)),
  };
}

/** The NT hash: MD4 of the UTF-16LE password. */
function ntHash(password: string): Buffer {
  return Buffer.from(jsMd4.arrayBuffer(utf16(password)));
}

/**
 * Checks an NTLMv2 response against the password: NTProofStr = HMAC-MD5(NTOWFv2, serverChallenge ||
 * blob), NTOWFv2 = HMAC-MD5(NT hash, UTF16LE(UPPER(user) || domain)).
 */
export function verifyNtlmV2(auth: NtlmAuthenticate, password: string, serverChallenge: Buffer): boolean {
  if (auth.ntResponse.length <= 24) return false;
  const proof = auth.ntResponse.subarray(0, 16);
  const blob = auth.ntResponse.subarray(16);
  const ntowf = createHmac('md5', ntHash(password))
    .update(utf16(auth.user.toUpperCase() + auth.domain))
    .digest();
  const expected = createHmac('md5', ntowf)
    .update(Buffer.concat([serverChallenge, blob]))
    .digest();
  return timingSafeEqual(expected, proof);
}
