import { AccountDisabledError, ConflictError, InvalidCredentialsError, NotFoundError, ValidationError } from '../errors.ts';
import { DUMMY_HASH, hashPassword, hashSecret, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, newSecret, verifyPassword } from '../lib/passwords.ts';
import type { AccountRepository, ApiTokenRecord, Role, UserRecord } from '../ports/account.repository.port.ts';
import type { Clock, Random } from '../ports/system.port.ts';

const USERNAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** How long a sign-in lasts. */
export const SESSION_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Token secrets start with this, so that a leaked one is easy to recognise (and to scan for). */
const TOKEN_PREFIX = 'ifk_';

export interface AccountDeps {
  accounts: AccountRepository;
  clock: Clock;
  random: Random;
  log: { info(obj: object, msg: string): void };
}

export interface NewSession {
  user: UserRecord;
  /** The cookie's value; only its hash is stored. */
  secret: string;
  expiresAt: Date;
}

/** Users, sign-in and API tokens. Passwords are hashed with scrypt; session and token secrets are stored as SHA-256. */
export class AccountService {
  constructor(
    private readonly deps: AccountDeps,
    /** Whether accounts are on; off is the single-user mode of a laptop. */
    readonly authOn: boolean,
  ) {}

  /** In accounts mode, what was made before accounts (or while they were off) goes to the first admin. */
  async start(): Promise<void> {
    if (!this.authOn) return;
    const admin = await this.deps.accounts.firstAdmin();
    if (admin) await this.claimUnowned(admin);
    await this.deps.accounts.deleteExpiredSessions(this.now().toISOString());
  }

  listUsers(): Promise<UserRecord[]> {
    return this.deps.accounts.listUsers();
  }

  async setupNeeded(): Promise<boolean> {
    return this.authOn && (await this.deps.accounts.countUsers()) === 0;
  }

  /** Creates an account (the command line and admins); the first admin also takes over what has no owner. */
  async createUser(username: string, password: string, role: Role): Promise<UserRecord> {
    const user = await this.newUser(username, password, role);
    if (!(await this.deps.accounts.insertUser(user.record, user.hash))) throw new ConflictError(`The username "${user.record.username}" is taken.`);
    if (role === 'admin' && (await this.deps.accounts.firstAdmin())?.id === user.record.id) await this.claimUnowned(user.record);
    return user.record;
  }

  /** First-run set-up: creates the first admin and signs them in, only while no account exists. */
  async setup(username: string, password: string): Promise<NewSession> {
    const user = await this.newUser(username, password, 'admin');
    if (!(await this.deps.accounts.insertFirstUser(user.record, user.hash))) {
      throw new ConflictError('ImageFlow is already set up; sign in with an existing account.');
    }
    await this.claimUnowned(user.record);
    return this.openSession(user.record);
  }

  async login(username: string, password: string): Promise<NewSession> {
    const name = normaliseUsername(username);
    // A name no account can have is not looked up (nor is text a database would refuse, like a NUL).
    const found = USERNAME.test(name) ? await this.deps.accounts.findByUsername(name) : undefined;
    // A missing user costs a hash too, so timing does not tell which names exist.
    const ok = await verifyPassword(password.slice(0, MAX_PASSWORD_LENGTH + 1), found?.passwordHash ?? DUMMY_HASH);
    if (!found || !ok) throw new InvalidCredentialsError();
    // Told only to whoever knows the password.
    if (found.user.disabled_at !== null) throw new AccountDisabledError();
    return this.openSession(found.user);
  }

  /** Changes the user's own password; every other sign-in of theirs ends (the one at `currentSecret` stays). */
  async changePassword(user: UserRecord, currentPassword: string, newPassword: string, currentSecret?: string): Promise<void> {
    const found = await this.deps.accounts.findById(user.id);
    if (!found || !(await verifyPassword(currentPassword.slice(0, MAX_PASSWORD_LENGTH + 1), found.passwordHash))) {
      throw new ValidationError('The current password is wrong.');
    }
    await this.deps.accounts.updateUser(user.id, { passwordHash: await hashPassword(checkedPassword(newPassword)) });
    await this.deps.accounts.deleteUserSessions(user.id, currentSecret === undefined ? undefined : hashSecret(currentSecret));
  }

  /** Ends every sign-in of the user, on every device (API tokens are revoked one by one). */
  signOutEverywhere(user: UserRecord): Promise<void> {
    return this.deps.accounts.deleteUserSessions(user.id);
  }

  /**
   * An admin changes an account: its role, whether it is disabled, or a new password (for one who
   * forgot theirs). Disabling or a new password ends the account's sign-ins. An admin cannot
   * disable or demote themselves, so an instance always keeps an admin who can sign in.
   */
  async updateUser(admin: UserRecord, id: string, changes: { role?: Role; disabled?: boolean; password?: string }): Promise<UserRecord> {
    const found = UUID.test(id) ? await this.deps.accounts.findById(id) : undefined;
    if (!found) throw new NotFoundError(`No account with id "${id}".`);
    if (id === admin.id && (changes.disabled === true || (changes.role !== undefined && changes.role !== 'admin'))) {
      throw new ConflictError('You cannot disable your own account or take away your own admin role; ask another admin.');
    }
    const update: { role?: Role; disabled_at?: string | null; passwordHash?: string } = {};
    if (changes.role !== undefined) update.role = changes.role;
    if (changes.disabled !== undefined && changes.disabled !== (found.user.disabled_at !== null)) {
      update.disabled_at = changes.disabled ? this.now().toISOString() : null;
    }
    if (changes.password !== undefined) update.passwordHash = await hashPassword(checkedPassword(changes.password));
    await this.deps.accounts.updateUser(id, update);
    if (update.disabled_at || update.passwordHash) await this.deps.accounts.deleteUserSessions(id);
    this.deps.log.info({ admin: admin.username, user: found.user.username, role: changes.role, disabled: changes.disabled, password: changes.password !== undefined }, 'account changed');
    return (await this.deps.accounts.findById(id))!.user;
  }

  async logout(secret: string): Promise<void> {
    await this.deps.accounts.deleteSession(hashSecret(secret));
  }

  /** The user of a session cookie, if it is live. */
  sessionUser(secret: string): Promise<UserRecord | undefined> {
    return this.deps.accounts.findSessionUser(hashSecret(secret), this.now().toISOString());
  }

  /** The user of an API token, if it is live; records when it was last used. */
  tokenUser(token: string): Promise<UserRecord | undefined> {
    if (!token.startsWith(TOKEN_PREFIX)) return Promise.resolve(undefined);
    return this.deps.accounts.useToken(hashSecret(token), this.now().toISOString());
  }

  async createToken(user: UserRecord, name: string): Promise<ApiTokenRecord & { token: string }> {
    const clean = name.trim();
    if (clean.length === 0 || clean.length > 100) throw new ValidationError('name must be 1 to 100 characters, e.g. "render script".');
    const { secret, hash } = newSecret(TOKEN_PREFIX);
    const record: ApiTokenRecord = { id: this.deps.random.uuid(), user_id: user.id, name: clean, created_at: this.now().toISOString(), last_used_at: null };
    await this.deps.accounts.insertToken(record, hash);
    return { ...record, token: secret };
  }

  listTokens(user: UserRecord): Promise<ApiTokenRecord[]> {
    return this.deps.accounts.listTokens(user.id);
  }

  async revokeToken(user: UserRecord, id: string): Promise<void> {
    if (!UUID.test(id) || !(await this.deps.accounts.revokeToken(id, user.id, this.now().toISOString()))) throw new NotFoundError(`You have no API token with id "${id}".`);
  }

  private async openSession(user: UserRecord): Promise<NewSession> {
    const { secret, hash } = newSecret();
    const now = this.now();
    const expiresAt = new Date(now.getTime() + SESSION_DAYS * DAY_MS);
    await this.deps.accounts.insertSession({ tokenHash: hash, userId: user.id, createdAt: now.toISOString(), expiresAt: expiresAt.toISOString() });
    return { user, secret, expiresAt };
  }

  private async newUser(username: string, password: string, role: Role): Promise<{ record: UserRecord; hash: string }> {
    const name = normaliseUsername(username);
    if (!USERNAME.test(name)) {
      throw new ValidationError('username must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit.');
    }
    return {
      record: { id: this.deps.random.uuid(), username: name, role, created_at: this.now().toISOString(), disabled_at: null },
      hash: await hashPassword(checkedPassword(password)),
    };
  }

  private async claimUnowned(admin: UserRecord): Promise<void> {
    const claimed = await this.deps.accounts.claimUnowned(admin.id);
    if (claimed > 0) this.deps.log.info({ admin: admin.username, nodes: claimed }, 'images made before accounts now belong to the first admin');
  }

  private now(): Date {
    return this.deps.clock.now();
  }
}

function checkedPassword(password: string): string {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    throw new ValidationError(`password must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters.`);
  }
  return password;
}

/** Usernames are compared without case. */
export function normaliseUsername(username: string): string {
  return username.trim().toLowerCase();
}
