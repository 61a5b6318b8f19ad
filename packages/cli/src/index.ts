export { CHECK_IDS, type CheckId, type CheckResult, type DoctorCheck, runDoctor } from './doctor/run-doctor.js';
export { buildProgram, run } from './program.js';
export const VERSION: string = __PACKAGE_VERSION__;
