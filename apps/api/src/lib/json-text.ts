/**
 * JSON text of a T, assembled by the code that built the answer (see withStoredJson in
 * services/presenter.ts) and sent as it is. `T` documents what the text parses to; nothing checks
 * it, so every writer of such text is tested against JSON.stringify of the object it stands for.
 */
export type JsonText<T> = string & { readonly __jsonOf?: T };
