export { readBoundedFile, readBoundedFileSync, FileReadLimitError, type ReadBoundedFileOptions } from './read-bounded-file.js';
