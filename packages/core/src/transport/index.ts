export type * from './mail-transport.js';
export type * from './message.js';
