import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ErrorDetail, ParseOption, XmlBufferInputProvider, XmlDocument, XmlParseError, XmlValidateError, XsdValidator, xmlRegisterInputProvider } from 'libxml2-wasm';
import { exchange2007Types } from './exchange-2007-schema.js';
import { targetsExchange2007 } from './soap/request-version.js';

/** One problem found in a SOAP message: what, and where (1-based line and position, as Exchange reports them). */
export interface SchemaProblem {
  message: string;
  line: number;
  position: number;
}

/** The outcome of validating one SOAP message against the EWS schemas. */
export interface SchemaResult {
  valid: boolean;
  /** True when the message is not even well-formed XML (Exchange says so in the same fault). */
  malformed: boolean;
  problems: SchemaProblem[];
}

/** Files of the schema set, in the folder `schema/` beside this module (official XSDs unmodified). */
const SCHEMA_FILES = ['soap-envelope.xsd', 'messages.xsd', 'types.xsd', 'xml.xsd'] as const;
/**
 * The schema sets: the newest (as shipped), and Exchange 2007's, derived from it. Each is served to
 * libxml2 from its own virtual location, so imports resolve within the set without touching the disk.
 */
type SchemaSet = 'newest' | 'exchange2007';
const SCHEMA_BASES: Record<SchemaSet, string> = { newest: 'mailbridge-ews-schema:///', exchange2007: 'mailbridge-ews-schema-2007:///' };

/**
 * Where the schema files are: beside this file in the sources (`src/ews/schema`), or, once bundled
 * into `dist/index.js`, in the package's `src/ews/schema` (shipped with the package).
 */
function schemaFolder(): string {
  const candidates = [new URL('./schema/', import.meta.url), new URL('../src/ews/schema/', import.meta.url)];
  for (const candidate of candidates) {
    const path = fileURLToPath(candidate);
    if (existsSync(`${path}messages.xsd`)) return path;
  }
  throw new Error(`EWS schema files not found (looked in ${candidates.map((c) => fileURLToPath(c)).join(', ')})`);
}

const compiled = new Map<SchemaSet, XsdValidator>();
let registered = false;
let versions: ReadonlySet<string> | undefined;

/**
 * The `ExchangeVersionType` enumeration of the official types.xsd: the RequestServerVersion values
 * Exchange accepts. Read from the schema itself so the simulator cannot drift from it.
 */
export function exchangeVersions(): ReadonlySet<string> {
  if (versions) return versions;
  const xsd = readFileSync(`${schemaFolder()}types.xsd`, 'utf8');
  const block = /<xs:simpleType name="ExchangeVersionType">([\s\S]*?)<\/xs:simpleType>/.exec(xsd)?.[1] ?? '';
  const found = new Set([...block.matchAll(/<xs:enumeration value="([^"]+)"/g)].map((match) => match[1]!));
  if (found.size === 0) throw new Error('ExchangeVersionType not found in types.xsd');
  versions = found;
  return versions;
}

/**
 * The compiled schema set. libxml2 compiles the 640 KB of EWS schema once per process (about half a
 * second); each validation after that costs well under a millisecond (bench/simulator-ews-validate.mjs),
 * which is why this does not use xmllint-wasm (a new worker and a full schema parse per call, ~550 ms).
 */
function validator(set: SchemaSet): XsdValidator {
  const ready = compiled.get(set);
  if (ready) return ready;
  if (!registered) {
    const folder = schemaFolder();
    const buffers: Record<string, Uint8Array> = {};
    for (const file of SCHEMA_FILES) {
      const bytes = readFileSync(`${folder}${file}`);
      buffers[`${SCHEMA_BASES.newest}${file}`] = bytes;
      buffers[`${SCHEMA_BASES.exchange2007}${file}`] = file === 'types.xsd' ? Buffer.from(exchange2007Types(bytes.toString('utf8')), 'utf8') : bytes;
    }
    xmlRegisterInputProvider(new XmlBufferInputProvider(buffers));
    registered = true;
  }
  const url = `${SCHEMA_BASES[set]}soap-envelope.xsd`;
  const root = XmlDocument.fromBuffer(readFileSync(`${schemaFolder()}soap-envelope.xsd`), { url });
  try {
    const schema = XsdValidator.fromDoc(root);
    compiled.set(set, schema);
    return schema;
  } finally {
    root.dispose();
  }
}

/** Compile the schemas now (a simulator does this at start so the first request is not slow). */
export function preloadEwsSchema(): void {
  validator('newest');
}

/**
 * The position libxml2 does not give for validity errors: the column (1-based) of the element or
 * attribute name the message is about, found on the reported line.
 */
function positionOf(lines: string[], detail: ErrorDetail): number {
  if (detail.col > 0) return detail.col;
  const line = lines[detail.line - 1];
  if (line === undefined) return 1;
  const element = /Element '(?:\{[^}]*\})?([^']+)'/.exec(detail.message)?.[1];
  const attribute = /attribute '(?:\{[^}]*\})?([^']+)'/.exec(detail.message)?.[1];
  if (attribute) {
    const match = new RegExp(`[\\s:]${escapeRegExp(attribute)}\\s*=`).exec(line);
    if (match) return match.index + 2;
  }
  if (element) {
    const match = new RegExp(`<(?:[\\w.-]+:)?${escapeRegExp(element)}[\\s/>]|<(?:[\\w.-]+:)?${escapeRegExp(element)}$`).exec(line);
    if (match) return match.index + 2;
  }
  return 1;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function toProblems(source: string, details: ErrorDetail[]): SchemaProblem[] {
  const lines = source.split('\n');
  return details
    .filter((detail) => detail.level >= 2)
    .map((detail) => ({
      message: detail.message.trim(),
      line: Math.max(1, detail.line),
      position: positionOf(lines, detail),
    }));
}

/** Options of {@link validateSoap}. */
export interface ValidateSoapOptions {
  /**
   * The RequestServerVersion a request targets: Exchange2007 and Exchange2007_SP1 are validated
   * against the Exchange 2007 schema (which has, for example, no IsInline in attachments), as
   * Exchange does; the other versions against the newest schema.
   * @default undefined (the newest schema: responses, and callers that do not say)
   */
  version?: string;
}

/**
 * Validate a whole SOAP message (request or response) against the official EWS schemas wrapped in
 * our SOAP 1.1 envelope schema. Never throws for bad input: problems are returned.
 */
export function validateSoap(xml: string | Buffer, options: ValidateSoapOptions = {}): SchemaResult {
  const schema = validator(options.version !== undefined && targetsExchange2007(options.version) ? 'exchange2007' : 'newest');
  const bytes = typeof xml === 'string' ? Buffer.from(xml, 'utf8') : xml;
  let doc: XmlDocument;
  try {
    // HUGE: attachments travel inline as base64 text nodes far above libxml2's default 10 MB cap.
    // NONET and NO_XXE: a request never makes the validator fetch anything.
    doc = XmlDocument.fromBuffer(bytes, {
      url: 'request.xml',
      option: ParseOption.XML_PARSE_HUGE | ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE,
    });
  } catch (error) {
    if (error instanceof XmlParseError) {
      return { valid: false, malformed: true, problems: toProblems(bytes.toString('utf8'), error.details) };
    }
    throw error;
  }
  try {
    schema.validate(doc);
    return { valid: true, malformed: false, problems: [] };
  } catch (error) {
    if (error instanceof XmlValidateError) {
      return { valid: false, malformed: false, problems: toProblems(bytes.toString('utf8'), error.details) };
    }
    throw error;
  } finally {
    doc.dispose();
  }
}
