// Authentication: who is making a request. Authenticators run in Kubernetes' order and the first
// that recognises the credentials wins; a request none of them recognises is anonymous.
import type { TLSSocket } from 'node:tls';
import type { IncomingMessage } from 'node:http';

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export type Authenticator = (request: IncomingMessage) => UserInfo | undefined | Promise<UserInfo | undefined>;

/** Users by connection: a TLS peer certificate cannot change within a connection, and reading it is costly. */
const certificateUsers = new WeakMap<TLSSocket, UserInfo | null>();

/** Client certificates signed by the cluster CA: CN is the user, each O a group (as kube-apiserver). */
export const clientCertificateAuthenticator: Authenticator = (request) => {
  const socket = request.socket as TLSSocket;
  let user = certificateUsers.get(socket);
  if (user === undefined) {
    user = certificateUser(socket) ?? null;
    certificateUsers.set(socket, user);
  }
  return user ?? undefined;
};

function certificateUser(socket: TLSSocket): UserInfo | undefined {
  if (!socket.authorized) return undefined; // no certificate, or one the CA did not sign
  const cert = socket.getPeerCertificate();
  const commonName = cert?.subject?.CN as string | string[] | undefined;
  if (!commonName || Array.isArray(commonName)) return undefined;
  const organizations = cert.subject.O;
  const groups = organizations === undefined ? [] : Array.isArray(organizations) ? organizations : [organizations];
  return { username: commonName, groups: [...groups, 'system:authenticated'] };
}

/** The user of the first authenticator that knows one; synchronous while the authenticators are. */
export function authenticate(request: IncomingMessage, authenticators: Authenticator[], from = 0): UserInfo | undefined | Promise<UserInfo | undefined> {
  for (let i = from; i < authenticators.length; i++) {
    const user = authenticators[i]!(request);
    if (isPromise(user)) return user.then((found) => found ?? authenticate(request, authenticators, i + 1));
    if (user) return user;
  }
  return undefined;
}

export function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}
