export { FileReadLimitError, type ReadBoundedFileOptions, readBoundedFile, readBoundedFileSync } from './read-bounded-file.js';
