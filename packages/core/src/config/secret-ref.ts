import * as z from 'zod';

/** Names an environment variable the way POSIX shells accept them. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `{ "env": "NAME" }`: the secret is read from this environment variable when a token is needed. */
export const envSecretRefSchema = z
  .strictObject({
    env: z
      .string({ error: 'expected the name of an environment variable, e.g. "MAILBRIDGE_CLIENT_SECRET"' })
      .regex(ENV_NAME, { error: 'expected an environment variable name: letters, digits and _, not starting with a digit' })
      .meta({ description: 'Name of the environment variable that holds the secret.' }),
  })
  .meta({ title: 'Secret from an environment variable' });

/** `{ "file": "PATH" }`: the secret is read from this file (relative to the config file) when a token is needed. */
export const fileSecretRefSchema = z
  .strictObject({
    file: z
      .string({ error: 'expected a file path' })
      .min(1, { error: 'expected a file path, not an empty string' })
      .meta({ description: "Path of a file holding only the secret; relative paths start at the config file's folder. A trailing newline is ignored." }),
  })
  .meta({ title: 'Secret from a file' });

/**
 * A secret as written in the config: the value itself (works, but `doctor` warns), `{ "env": "NAME" }`
 * or `{ "file": "PATH" }`. The union's own message never quotes the input, so a secret typed in the
 * wrong shape is not echoed back.
 */
export const secretRefSchema = z
  .union([z.string().min(1, { error: 'is empty: put the secret in an environment variable and write {"env": "NAME"}' }).meta({ title: 'Secret value (prefer env or file)' }), envSecretRefSchema, fileSecretRefSchema], {
    error: 'expected a secret: a string, {"env": "NAME"} or {"file": "PATH"}',
  })
  .meta({ description: 'A secret: {"env": "NAME"}, {"file": "PATH"}, or the value itself (discouraged: doctor warns).' });

/** A secret reference: the value itself, `{ env }` or `{ file }`. Resolve it with `resolveSecret`. */
export type SecretRef = z.output<typeof secretRefSchema>;

/** True for `{ env }`. */
export function isEnvSecretRef(ref: SecretRef): ref is { env: string } {
  return typeof ref === 'object' && 'env' in ref;
}

/** True for `{ file }`. */
export function isFileSecretRef(ref: SecretRef): ref is { file: string } {
  return typeof ref === 'object' && 'file' in ref;
}
