/** A parsed Procfile: process types in the order first declared, and what was skipped and why. */
export interface Procfile {
  processes: ReadonlyMap<string, string>;
  warnings: string[];
}

// foreman's and Heroku's rule: a name of letters, digits, dashes and underscores, a colon, a command.
const LINE = /^([A-Za-z0-9_-]+):\s*(.+?)\s*$/;
const MAX_TYPE_LENGTH = 30;

/**
 * Parses a Procfile the way Heroku does: `type: command` per line; blank lines and `#` comments
 * are ignored; a line of any other shape is ignored too (reported as a warning, so a typo is
 * visible in the build output instead of silently dropping a process); a type declared twice
 * takes its last command. `release` is an ordinary entry here: callers treat it specially.
 */
export function parseProcfile(text: string): Procfile {
  const processes = new Map<string, string>();
  const warnings: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = LINE.exec(line);
    if (!match) {
      warnings.push(`line ${index + 1} ignored: expected "type: command", got "${truncate(line)}"`);
      return;
    }
    const [, type, command] = match as unknown as [string, string, string];
    if (type.length > MAX_TYPE_LENGTH) {
      warnings.push(
        `line ${index + 1} ignored: process type "${truncate(type)}" is longer than ${MAX_TYPE_LENGTH} characters`,
      );
      return;
    }
    if (processes.has(type))
      warnings.push(
        `line ${index + 1}: process type "${type}" declared again; this command replaces the earlier one`,
      );
    processes.set(type, command);
  });
  return { processes, warnings };
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
