export { openlineage } from './plugin.js';
export { openLineageEmitter, type Emitter, type EmitterOptions, type Transport } from './emitter.js';
export { consoleTransport, fileTransport, httpTransport } from './transports.js';
export { runEventOf, uuidFrom, PRODUCER, SPEC, type RunEvent } from './run-event.js';
