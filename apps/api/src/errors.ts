/** Typed errors that the HTTP layer maps to `{error: {code, message}}`. */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(message: string) {
    super(400, 'validation_error', message);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super(404, 'not_found', message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(409, 'conflict', message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string) {
    super(413, 'payload_too_large', message);
  }
}

export class UnsupportedMediaError extends AppError {
  constructor(message: string) {
    super(415, 'unsupported_media_type', message);
  }
}

/** An image that is valid but would cost more than a request may: decoding it took too long. */
export class ImageTooComplexError extends AppError {
  constructor(message: string) {
    super(422, 'image_too_complex', message);
  }
}

/** Too many requests of one kind are in progress; the client may retry after `retryAfterSeconds`. */
export class BusyError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    code = 'busy',
  ) {
    super(429, code, message);
  }
}

/** A generation backend failed; the message says what to do about it. */
export class ProviderError extends AppError {
  constructor(message: string, code = 'provider_error') {
    super(502, code, message);
  }
}

export class CanceledError extends AppError {
  constructor(message = 'The job was canceled.') {
    super(409, 'canceled', message);
  }
}

/** The instance is stopping: a job it runs is handed back to the queue, not failed. */
export class ShutdownError extends Error {
  override name = 'ShutdownError';
  constructor() {
    super('ImageFlow is shutting down; the job will run again on another worker or after the restart.');
  }
}

/** The job was canceled, finished or taken over by another instance while its images were being stored. */
export class JobNoLongerRunningError extends Error {
  override name = 'JobNoLongerRunningError';
  constructor(jobId: string) {
    super(`job ${jobId} is no longer running here`);
  }
}

/** A private route asked without a session or token. */
export class UnauthenticatedError extends AppError {
  constructor(message = 'Sign in first: send the session cookie from POST /api/auth/login, or an API token as "Authorization: Bearer <token>".') {
    super(401, 'unauthenticated', message);
  }
}

/** A sign-in with a wrong username or password (which one is not said). */
export class InvalidCredentialsError extends AppError {
  constructor() {
    super(401, 'invalid_credentials', 'The username or password is wrong.');
  }
}

export class AccountDisabledError extends AppError {
  constructor() {
    super(403, 'account_disabled', 'This account is disabled. Ask an admin of this ImageFlow to enable it again.');
  }
}

/** A route only an admin may use. */
export class ForbiddenError extends AppError {
  constructor(message = 'Only an admin may do this.') {
    super(403, 'forbidden', message);
  }
}
