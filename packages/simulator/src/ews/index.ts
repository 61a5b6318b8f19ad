/** The simulator's EWS endpoint (Exchange Online and on-premises Exchange Server modes). */
export { createEwsModule } from './ews-module.js';
export type { EwsModuleOptions, EwsLogFields } from './ews-options.js';
export type { EwsSeedUser } from './auth/ews-auth.js';
export { userSid } from './impersonation.js';
export { validateSoap as validateEwsSoap, preloadEwsSchema, type SchemaResult as EwsSchemaResult, type SchemaProblem as EwsSchemaProblem } from './xsd-validator.js';
