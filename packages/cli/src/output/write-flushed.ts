/**
 * Writes `text` and resolves once the stream has handed it to the operating system. A command that
 * keeps running after it reports (`mailbridge sandbox --json`) awaits this, so a script reading its
 * stdout gets the whole report while the process is still alive, not only when it exits.
 */
export function writeFlushed(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolveWrite, reject) => {
    stream.write(text, (error) => (error ? reject(error) : resolveWrite()));
  });
}
