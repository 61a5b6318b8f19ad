export { createLogger, type LoggerOptions, silentLogger } from './create-logger.js';
export { LOG_LEVELS, type LogFields, type Logger, type LogLevel, type LogRecord, type LogSink } from './logger.js';
