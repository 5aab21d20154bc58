/**
 * What a one-off (`run`) executes, with Heroku's semantics: when the command's first word is a
 * process type of the release, it stands for that type's command, and the rest of the words are
 * appended (`run console --sandbox` runs the Procfile's `console:` command with `--sandbox`).
 * Anything else runs as written.
 */
export function resolveOneOffCommand(
  command: string,
  processTypes: Readonly<Record<string, string>>,
): string {
  const match = /^\s*(\S+)(.*)$/s.exec(command);
  if (!match) return command;
  const [, first = '', rest = ''] = match;
  // Own properties only: a command such as `constructor` is not a process type.
  if (!Object.hasOwn(processTypes, first)) return command;
  return `${processTypes[first]}${rest}`;
}
