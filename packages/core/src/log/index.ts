export { LOG_LEVELS, type LogFields, type LogLevel, type LogRecord, type LogSink, type Logger } from './logger.js';
export { createLogger, silentLogger, type LoggerOptions } from './create-logger.js';
