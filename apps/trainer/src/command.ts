/**
 * The commands the program prints for the user to run next ("continue with …", "sample from it:
 * …") start the way this one was started, so they run as printed: `./scratchgpt` through the
 * checkout's launcher, `scratchgpt` as an installed bin, else `node <path to cli.js>`. Arguments
 * are quoted for a POSIX shell where they need it.
 */
import { basename, relative } from 'node:path';

/** How this program was started, as a shell command prefix. */
export function programCommand(): string {
  const launcher = process.env.SCRATCHGPT_COMMAND;
  if (launcher) return shellQuote(launcher);
  const script = process.argv[1] ?? '';
  if (basename(script) === 'scratchgpt') return 'scratchgpt'; // an npm bin on PATH
  const path = relative(process.cwd(), script);
  return `node ${shellQuote(path.startsWith('..') || path === '' ? script : path)}`;
}

/** A command line to print: this program with `args`, e.g. `./scratchgpt sample --run runs/x`. */
export function commandLine(...args: string[]): string {
  return [programCommand(), ...args.map(shellQuote)].join(' ');
}

/** `word` as one POSIX shell word: as is when it is plain, else single-quoted. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}
