import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';

// shared/ sits beside the repository (as CI lays it out), wherever that is.
const DIR = fileURLToPath(new URL('../../../../../shared/protocol/graph', import.meta.url));

/** A property as the OpenAPI subset declares it. */
export interface OpenApiProperty {
  type?: string;
  ref?: string;
  itemsType?: string;
  itemsRef?: string;
  format?: string;
  nullable: boolean;
}

/**
 * Reads the properties of each `components.schemas` entry of the OpenAPI subset (following allOf
 * to base schemas). A line-based reader is enough for this generated, regularly indented YAML.
 */
export function openApiSchemas(): Map<string, Map<string, OpenApiProperty>> {
  const lines = readFileSync(`${DIR}/openapi-mail-subset.yaml`, 'utf8').split('\n');
  const own = new Map<string, { parents: string[]; properties: Map<string, OpenApiProperty> }>();
  const start = lines.findIndex((line) => line === '  schemas:');
  let current: { parents: string[]; properties: Map<string, OpenApiProperty> } | undefined;
  let propertiesIndent = -1;
  let property: OpenApiProperty | undefined;
  let inItems = false;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\S/.test(line) || /^ {2}\S/.test(line)) break;
    const schema = /^ {4}(microsoft\.graph\.[\w.]+):$/.exec(line);
    if (schema) {
      // Some schemas appear twice in the subset (collection responses); merge.
      current = own.get(schema[1]!) ?? { parents: [], properties: new Map() };
      own.set(schema[1]!, current);
      propertiesIndent = -1;
      property = undefined;
      continue;
    }
    if (!current) continue;
    const indent = line.length - line.trimStart().length;
    const text = line.trim();
    const parent = /^- \$ref: '#\/components\/schemas\/([\w.]+)'$/.exec(text);
    if (parent && indent === 8) {
      current.parents.push(parent[1]!);
      continue;
    }
    if (text === 'properties:') {
      propertiesIndent = indent;
      property = undefined;
      continue;
    }
    if (propertiesIndent >= 0 && indent <= propertiesIndent && text !== '') {
      propertiesIndent = -1;
      property = undefined;
    }
    if (propertiesIndent < 0) continue;
    const name = /^([\w@.]+):$/.exec(text);
    if (name && indent === propertiesIndent + 2) {
      property = { nullable: false };
      current.properties.set(name[1]!, property);
      inItems = false;
      continue;
    }
    if (!property) continue;
    if (indent === propertiesIndent + 4) inItems = text === 'items:';
    const type = /^type: (\w+)$/.exec(text);
    const ref = /^\$ref: '#\/components\/schemas\/([\w.]+)'$/.exec(text);
    const format = /^format: ([\w-]+)$/.exec(text);
    if (inItems && indent === propertiesIndent + 6) {
      if (type) property.itemsType = type[1]!;
      if (ref) property.itemsRef = ref[1]!;
    } else if (indent === propertiesIndent + 4) {
      if (type) property.type = type[1]!;
      if (ref) property.ref = ref[1]!;
      if (format) property.format = format[1]!;
      if (text === 'nullable: true') property.nullable = true;
    } else if (indent === propertiesIndent + 6 && /^- \$ref:/.test(text) && !property.ref) {
      // anyOf: [{$ref}, {nullable object}]
      property.ref = /'#\/components\/schemas\/([\w.]+)'/.exec(text)![1]!;
    }
  }
  const resolved = new Map<string, Map<string, OpenApiProperty>>();
  const resolve = (name: string, depth = 0): Map<string, OpenApiProperty> => {
    const entry = own.get(name);
    if (!entry || depth > 10) return new Map();
    const result = new Map<string, OpenApiProperty>();
    for (const parentName of entry.parents) for (const [key, value] of resolve(parentName, depth + 1)) result.set(key, value);
    for (const [key, value] of entry.properties) result.set(key, value);
    return result;
  };
  for (const name of own.keys()) resolved.set(name, resolve(name));
  return resolved;
}

/** Property names of CSDL entity and complex types, base types included. */
export function csdlTypes(): Map<string, Set<string>> {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['EntityType', 'ComplexType', 'Property', 'NavigationProperty', 'Schema'].includes(name) });
  const doc = parser.parse(readFileSync(`${DIR}/csdl-mail-subset.xml`, 'utf8'));
  const found = new Map<string, { base?: string; names: string[] }>();
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if ((key === 'EntityType' || key === 'ComplexType') && Array.isArray(value)) {
        for (const type of value as Array<{ Name: string; BaseType?: string; Property?: Array<{ Name: string }> }>) {
          found.set(type.Name, { ...(type.BaseType ? { base: type.BaseType.replace(/^graph\./, '') } : {}), names: (type.Property ?? []).map((p) => p.Name) });
        }
      } else if (typeof value === 'object') {
        visit(value);
      }
    }
  };
  visit(doc);
  const result = new Map<string, Set<string>>();
  for (const name of found.keys()) {
    const names = new Set<string>();
    let cursor: string | undefined = name;
    for (let depth = 0; cursor && depth < 10; depth++) {
      const entry = found.get(cursor);
      if (!entry) break;
      for (const property of entry.names) names.add(property);
      cursor = entry.base;
    }
    result.set(name, names);
  }
  return result;
}

/** Type of a JSON value as the shape comparisons see it. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Compares the shape of `actual` with a documented `sample`: every key of the sample must exist in
 * `actual` with the same JSON type (null in the sample matches anything; nested objects and the
 * first array elements are compared recursively). Returns the differences found.
 */
export function shapeDifferences(sample: unknown, actual: unknown, path = '$'): string[] {
  if (sample === null) return [];
  const expected = jsonType(sample);
  const got = jsonType(actual);
  if (expected !== got) return [`${path}: expected ${expected}, got ${got}`];
  if (expected === 'array') {
    const [first] = sample as unknown[];
    const [other] = actual as unknown[];
    return first !== undefined && other !== undefined ? shapeDifferences(first, other, `${path}[0]`) : [];
  }
  if (expected !== 'object') return [];
  const differences: string[] = [];
  for (const [key, value] of Object.entries(sample as Record<string, unknown>)) {
    if (!(key in (actual as Record<string, unknown>))) {
      differences.push(`${path}.${key}: missing`);
      continue;
    }
    differences.push(...shapeDifferences(value, (actual as Record<string, unknown>)[key], `${path}.${key}`));
  }
  return differences;
}

/** Enum values of the OpenAPI subset's string enums (importance, bodyType, …). */
export function openApiEnums(): Map<string, string[]> {
  const lines = readFileSync(`${DIR}/openapi-mail-subset.yaml`, 'utf8').split('\n');
  const result = new Map<string, string[]>();
  for (let i = 0; i < lines.length; i++) {
    const schema = /^ {4}(microsoft\.graph\.[\w.]+):$/.exec(lines[i]!);
    if (!schema || lines[i + 2]?.trim() !== 'enum:') continue;
    const values: string[] = [];
    for (let j = i + 3; j < lines.length && /^ {8}- /.test(lines[j]!); j++) values.push(lines[j]!.trim().slice(2));
    result.set(schema[1]!, values);
  }
  return result;
}
