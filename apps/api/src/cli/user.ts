/**
 * Accounts from the command line:
 *   npm run user -- create NAME [--admin]     the password is read from stdin (asked twice at a terminal)
 * Uses the same configuration as the server (IMAGEFLOW_DATA_DIR or DATABASE_URL).
 */
import { createInterface } from 'node:readline';
import { KyselyAccountRepository } from '../adapters/kysely-account.repository.ts';
import { cryptoRandom, systemClock } from '../adapters/system.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { migrate, openDatabase } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { AccountService } from '../services/account.service.ts';

const USAGE = 'usage: npm run user -- create NAME [--admin]   (the password is read from stdin)';

/** Reads a password: typed twice without echo at a terminal, else the first line of stdin. */
async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    let text = '';
    for await (const chunk of process.stdin) text += chunk;
    return text.split(/\r?\n/, 1)[0] ?? '';
  }
  const ask = (question: string) =>
    new Promise<string>((resolve) => {
      const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
      const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput.bind(rl);
      (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => write(s.startsWith(question) ? s : '');
      rl.question(question, (answer) => {
        rl.close();
        process.stdout.write('\n');
        resolve(answer);
      });
    });
  const first = await ask('Password: ');
  const second = await ask('Password again: ');
  if (first !== second) throw new ConfigError('The two passwords differ; nothing was created.');
  return first;
}

async function main(args: string[]): Promise<number> {
  const [command, name, ...flags] = args;
  const unknown = flags.filter((f) => f !== '--admin');
  if (command !== 'create' || !name || unknown.length > 0) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  const password = await readPassword();
  const db = await openDatabase(config);
  try {
    await migrate(db);
    const accounts = new AccountService({ accounts: new KyselyAccountRepository(db), clock: systemClock, random: cryptoRandom, log: { info: () => undefined } }, true);
    const user = await accounts.createUser(name, password, flags.includes('--admin') ? 'admin' : 'user');
    console.log(`Created ${user.role} "${user.username}".${config.auth ? '' : ' Accounts are off on this server: start it with IMAGEFLOW_AUTH=on to sign in.'}`);
    return 0;
  } finally {
    await db.destroy();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof AppError || err instanceof ConfigError) {
      console.error(`imageflow: ${err.message}`);
      process.exit(1);
    }
    console.error(err);
    process.exit(1);
  },
);
