/**
 * @mailbridge/core/testing — the transport conformance suite every adapter runs against the simulator.
 * @packageDocumentation
 */
export {};
