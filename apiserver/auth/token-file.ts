// The static token file (--token-auth-file): CSV lines `token,user,uid,"group1,group2"`, as
// kube-apiserver reads it. Fixed at start; a malformed file stops the server with the line's number.
import { readFileSync } from 'node:fs';
import type { UserInfo } from '../authn.ts';
import { audienceAgnostic, type TokenAuthenticator, type TokenResult } from './token-authentication.ts';

/** One CSV record per line (RFC 4180 quoting; a quoted field may not span lines here). */
function csvFields(line: string, lineNumber: number, path: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= line.length) throw new Error(`${path}:${lineNumber}: unterminated quoted field`);
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += line[i++];
      }
      if (i < line.length && line[i] !== ',') throw new Error(`${path}:${lineNumber}: extraneous text after a quoted field`);
      fields.push(value);
      i++;
    } else {
      const end = line.indexOf(',', i);
      fields.push(end < 0 ? line.slice(i) : line.slice(i, end));
      if (end < 0) break;
      i = end + 1;
    }
  }
  return fields;
}

export function parseTokenFile(text: string, path: string): Map<string, UserInfo> {
  const users = new Map<string, UserInfo>();
  text.split(/\r?\n/).forEach((line, index) => {
    if (!line.trim()) return;
    const fields = csvFields(line, index + 1, path);
    if (fields.length < 3) throw new Error(`token file '${path}' must have at least 3 columns (token, user name, user uid), found ${fields.length} on line ${index + 1}`);
    const [token, username, uid, groups] = fields.map((f) => f.trim()) as [string, string, string, string | undefined];
    if (!token) throw new Error(`token file '${path}': empty token on line ${index + 1}`);
    if (!username) throw new Error(`token file '${path}': empty user name on line ${index + 1}`);
    users.set(token, { username, uid: uid || undefined, groups: groups ? groups.split(',').map((g) => g.trim()).filter(Boolean) : [] });
  });
  return users;
}

export class TokenFileAuthenticator implements TokenAuthenticator {
  readonly name = 'token-file';

  private constructor(
    private readonly users: Map<string, UserInfo>,
    private readonly apiAudiences: string[],
  ) {}

  static load(path: string, apiAudiences: string[]): TokenFileAuthenticator {
    return new TokenFileAuthenticator(parseTokenFile(readFileSync(path, 'utf8'), path), apiAudiences);
  }

  authenticateToken(token: string, audiences: string[]): TokenResult | undefined {
    const user = this.users.get(token);
    return user ? audienceAgnostic(this.apiAudiences, audiences, structuredClone(user)) : undefined;
  }
}
