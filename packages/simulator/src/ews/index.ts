/**
 * The simulator's EWS endpoint, `POST /EWS/Exchange.asmx`, in two flavours.
 *
 * Exchange Online (`mode: 'online'`): OAuth bearer tokens only, audience `https://outlook.office365.com`
 * (the tenant's cloud's EWS resource) or `00000002-0000-0ff1-ce00-000000000000`. App-only tokens need
 * `full_access_as_app` and an ExchangeImpersonation header (PrimarySmtpAddress, SmtpAddress,
 * PrincipalName, or SID: see {@link userSid}); delegated tokens (`EWS.AccessAsUser.All`) act as the
 * user. Tenant policy (`ews.enabled`, `ews.allowedAppIds`) answers 403. X-AnchorMailbox is not
 * required (Microsoft recommends it for routing; requests without it work): its absence is reported
 * in the request log (`LoggedRequest.notes`) and the `x-simulator-note` response header.
 *
 * On-premises (`mode: 'onprem'`): Basic and NTLMv2 (connection-bound, as IIS does) against the seed
 * users' passwords, and bearer tokens too. A service account impersonates when its seed user has
 * `"ewsRoles": ["ApplicationImpersonation"]` ({@link EwsSeedUser}). No EWS retirement policy.
 *
 * Every request and response is validated against Microsoft's messages.xsd/types.xsd (beside this
 * file in `schema/`, unmodified) wrapped in a SOAP 1.1 envelope schema; a request that does not
 * validate gets Exchange's `ErrorSchemaValidation` fault (HTTP 500) and is marked in the request log.
 * An envelope in another namespace than SOAP 1.1's (SOAP 1.2, or the `https://schemas.xmlsoap.org/...`
 * typo of some published samples) gets SOAP's own VersionMismatch fault.
 */

export type { EwsSeedUser } from './auth/ews-auth.js';
export { createEwsModule } from './ews-module.js';
export type { EwsLogFields, EwsModuleOptions } from './ews-options.js';
export { userSid } from './impersonation.js';
export { preloadEwsSchema, type SchemaProblem as EwsSchemaProblem, type SchemaResult as EwsSchemaResult, validateSoap as validateEwsSoap } from './xsd-validator.js';
