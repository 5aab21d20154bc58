import { spawn } from 'node:child_process';

export interface GitResult {
  code: number;
  /** stdout and stderr together (git writes progress and `remote:` lines to stderr). */
  output: string;
  /** The output as it arrived, each piece with its arrival time: proof that it streamed. */
  chunks: { at: number; text: string }[];
}

/** Runs the real git client, never prompting for credentials. */
export function git(cwd: string, ...args: string[]): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'git',
      [
        '-c',
        'user.name=Test',
        '-c',
        'user.email=test@example.test',
        '-c',
        'init.defaultBranch=main',
        ...args,
      ],
      { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '/bin/false' } },
    );
    const chunks: GitResult['chunks'] = [];
    const collect = (chunk: Buffer) => chunks.push({ at: Date.now(), text: chunk.toString() });
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? 1, output: chunks.map((c) => c.text).join(''), chunks }),
    );
  });
}

/** A git URL for `path` (TENANT/NAMESPACE/APP) whose password is `token`. */
export function gitRemote(gatewayUrl: string, token: string, path: string): string {
  const url = new URL(`${gatewayUrl}/git/${path}.git`);
  url.username = 'anything';
  url.password = token;
  return url.toString();
}
