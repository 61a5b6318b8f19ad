import { matchesAddress } from '../access/address-pattern.js';

/** How the relay chooses the sending mailbox (`relay.sendAs`, `relay.otherSenders`). */
export interface SenderPolicy {
  /** The configured mailbox: always allowed, and what other senders are rewritten to. */
  mailbox: string;
  /** Addresses (and `@domain`s) the app may send as. */
  sendAs: readonly string[];
  otherSenders: 'rewrite' | 'refuse';
}

/** True when mail from `address` goes out from that address itself. */
export function maySendAs(policy: SenderPolicy, address: string): boolean {
  return address.toLowerCase() === policy.mailbox.toLowerCase() || matchesAddress(address, policy.sendAs);
}
