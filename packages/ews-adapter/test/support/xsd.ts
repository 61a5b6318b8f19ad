import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validateXML } from 'xmllint-wasm';

/**
 * Validates SOAP requests against the official EWS schemas (messages.xsd + types.xsd, the copies the
 * simulator ships unmodified), wrapped in the simulator's SOAP envelope schema (strict: every header
 * block and the body's operation are validated).
 */
const folder = fileURLToPath(new URL('../../../simulator/src/ews/schema/', import.meta.url));
const files = ['soap-envelope.xsd', 'messages.xsd', 'types.xsd', 'xml.xsd'].map((name) => ({ fileName: name, contents: readFileSync(folder + name) }));

export async function validateSoap(documents: string[]): Promise<{ valid: boolean; errors: string[] }> {
  const result = await validateXML({
    xml: documents.map((contents, index) => ({ fileName: `request-${index}.xml`, contents })),
    schema: files[0]!,
    preload: files.slice(1),
    maxMemoryPages: 4096,
  });
  return { valid: result.valid, errors: result.errors.map((error) => error.rawMessage) };
}
