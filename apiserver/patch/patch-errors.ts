// The Status errors a PATCH can end in, with the codes, reasons and messages kube-apiserver uses.
// They are StatusErrors, so the API layer writes them as they are; `detail` keeps the underlying
// reason where kube-apiserver's response hides it (its 422s say only "the server rejected…").

import { goQuote } from '../apply/go-format.ts';
import { StatusError, type StatusDetails } from '../status.ts';

export class PatchError extends StatusError {
  constructor(
    code: number,
    reason: string,
    message: string,
    details?: StatusDetails,
    /** What actually went wrong, for logs, when the message does not say. */
    readonly detail?: string,
  ) {
    super(code, reason, message, details);
  }
}

export const patchErrors = {
  badRequest: (message: string) => new PatchError(400, 'BadRequest', message),
  /** NewGenericServerResponse(422, …): the message is fixed; the cause only goes to `detail`. */
  unprocessable: (detail: string) => new PatchError(422, 'Invalid', 'the server rejected our request due to an error in our request', {}, detail),
  /** An error that is not a Status in kube-apiserver: 500, no reason, the error's text. */
  internal: (message: string) => new PatchError(500, '', message),
  tooManyOperations: (count: number) => new PatchError(413, 'RequestEntityTooLarge', `The allowed maximum operations in a JSON patch is 10000, got ${count}`),
  unsupportedMediaType: (accepted: readonly string[]) =>
    new PatchError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`),
  /** The patched document could not become an object again (field.Invalid on `patch`). */
  invalidResult: (patched: string, why: string) =>
    new PatchError(422, 'Invalid', ` "" is invalid: patch: Invalid value: ${goQuote(patched)}: ${why}`, {
      causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${goQuote(patched)}: ${why}`, field: 'patch' }],
    }),
};
