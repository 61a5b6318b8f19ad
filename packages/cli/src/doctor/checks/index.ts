import type { DoctorCheck } from '../doctor-check.js';
import { authorityCheck } from './authority.js';
import { configCheck } from './config.js';
import { mailboxCheck } from './mailbox.js';
import { outboxCheck } from './outbox.js';
import { permissionsCheck } from './permissions.js';
import { redirectUriCheck } from './redirect-uri.js';
import { relayCheck } from './relay.js';
import { secretExpiryCheck } from './secret-expiry.js';
import { sendCheck } from './send.js';
import { tokenCheck } from './token.js';

/**
 * doctor's checks, in the order they run and print (the documented order). Adding a check is a
 * file in this folder and one line here; its `needs` say what must not have failed before it.
 */
export const DOCTOR_CHECKS: readonly DoctorCheck[] = [configCheck, authorityCheck, redirectUriCheck, tokenCheck, permissionsCheck, secretExpiryCheck, mailboxCheck, relayCheck, sendCheck, outboxCheck];
