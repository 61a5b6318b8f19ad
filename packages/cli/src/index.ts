export { run, buildProgram } from "./program.js";
export { runDoctor, CHECK_IDS, type CheckResult, type CheckId, type DoctorCheck } from "./doctor/run-doctor.js";
export const VERSION: string = __PACKAGE_VERSION__;
