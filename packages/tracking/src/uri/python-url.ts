/**
 * Python's `urllib.parse` as MLflow uses it (CPython 3.11: `urlsplit`, `urlparse`, `urlunparse`,
 * `unquote`, `quote`, the `hostname`/`port` of a netloc) and the `posixpath` helpers MLflow's
 * URI code relies on. MLflow's URI rules are written in terms of these functions, so the
 * differences from WHATWG `URL` (relative paths kept, no normalisation, lower-cased scheme
 * only when it is made of scheme characters) matter.
 */

/** `urllib.parse.urlparse`'s six fields. */
export interface PyParsedUrl {
  scheme: string;
  netloc: string;
  path: string;
  params: string;
  query: string;
  fragment: string;
}

const usesNetloc = new Set(['', 'ftp', 'http', 'gopher', 'nntp', 'telnet', 'imap', 'wais', 'file',
  'mms', 'https', 'shttp', 'snews', 'prospero', 'rtsp', 'rtsps', 'rtspu', 'rsync', 'svn', 'svn+ssh',
  'sftp', 'nfs', 'git', 'git+ssh', 'ws', 'wss']);
const usesParams = new Set(['', 'ftp', 'hdl', 'prospero', 'http', 'imap', 'https', 'shttp', 'rtsp',
  'rtsps', 'rtspu', 'sip', 'sips', 'mms', 'sftp', 'tel']);
const schemeChar = /^[A-Za-z0-9+\-.]$/;

function lstripC0(text: string): string {
  let i = 0;
  while (i < text.length && text.charCodeAt(i) <= 0x20) i += 1;
  return text.slice(i);
}

/** `urllib.parse.urlsplit(url, allow_fragments)` (IPv6 bracket checks reduced to the pairing check). */
export function pyUrlsplit(url: string, allowFragments = true): Omit<PyParsedUrl, 'params'> {
  let rest = lstripC0(url).replace(/[\t\r\n]/g, '');
  let scheme = '';
  let netloc = '';
  let query = '';
  let fragment = '';
  const colon = rest.indexOf(':');
  if (colon > 0 && /^[A-Za-z]$/.test(rest[0]!)) {
    const candidate = rest.slice(0, colon);
    if ([...candidate].every((c) => schemeChar.test(c))) {
      scheme = candidate.toLowerCase();
      rest = rest.slice(colon + 1);
    }
  }
  if (rest.startsWith('//')) {
    let delim = rest.length;
    for (const c of '/?#') {
      const at = rest.indexOf(c, 2);
      if (at >= 0) delim = Math.min(delim, at);
    }
    netloc = rest.slice(2, delim);
    rest = rest.slice(delim);
    if (netloc.includes('[') !== netloc.includes(']')) throw new TypeError('Invalid IPv6 URL');
  }
  if (allowFragments && rest.includes('#')) {
    const at = rest.indexOf('#');
    fragment = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  if (rest.includes('?')) {
    const at = rest.indexOf('?');
    query = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  return { scheme, netloc, path: rest, query, fragment };
}

/** `urllib.parse.urlparse(url, allow_fragments=...)`. */
export function pyUrlparse(url: string, allowFragments = true): PyParsedUrl {
  const split = pyUrlsplit(url, allowFragments);
  let path = split.path;
  let params = '';
  if (usesParams.has(split.scheme) && path.includes(';')) {
    let at: number;
    if (path.includes('/')) at = path.indexOf(';', path.lastIndexOf('/'));
    else at = path.indexOf(';');
    if (at >= 0) {
      params = path.slice(at + 1);
      path = path.slice(0, at);
    }
  }
  return { ...split, path, params };
}

/** `urllib.parse.urlunparse`. */
export function pyUrlunparse(parts: PyParsedUrl): string {
  let url = parts.params ? `${parts.path};${parts.params}` : parts.path;
  if (parts.netloc || (parts.scheme && usesNetloc.has(parts.scheme) && !url.startsWith('//'))) {
    if (url && !url.startsWith('/')) url = `/${url}`;
    url = `//${parts.netloc}${url}`;
  }
  if (parts.scheme) url = `${parts.scheme}:${url}`;
  if (parts.query) url = `${url}?${parts.query}`;
  if (parts.fragment) url = `${url}#${parts.fragment}`;
  return url;
}

/** The `hostname` property of a parse result: lower-cased, `null` when empty. */
export function pyHostname(netloc: string): string | null {
  const hostinfo = netloc.slice(netloc.lastIndexOf('@') + 1);
  let hostname: string;
  const open = hostinfo.indexOf('[');
  if (open >= 0) {
    const bracketed = hostinfo.slice(open + 1);
    const close = bracketed.indexOf(']');
    hostname = close >= 0 ? bracketed.slice(0, close) : bracketed;
  } else {
    const colon = hostinfo.indexOf(':');
    hostname = colon >= 0 ? hostinfo.slice(0, colon) : hostinfo;
  }
  if (!hostname) return null;
  const percent = hostname.indexOf('%');
  return percent >= 0 ? hostname.slice(0, percent).toLowerCase() + hostname.slice(percent) : hostname.toLowerCase();
}

/** The raw port text of a netloc (`null` when absent or empty). */
export function pyPortText(netloc: string): string | null {
  const hostinfo = netloc.slice(netloc.lastIndexOf('@') + 1);
  let port: string;
  const open = hostinfo.indexOf('[');
  if (open >= 0) {
    const afterBracket = hostinfo.slice(hostinfo.indexOf(']', open) + 1);
    const colon = afterBracket.indexOf(':');
    port = colon >= 0 ? afterBracket.slice(colon + 1) : '';
  } else {
    const colon = hostinfo.indexOf(':');
    port = colon >= 0 ? hostinfo.slice(colon + 1) : '';
  }
  return port === '' ? null : port;
}

/** `urllib.parse.unquote`: %XX runs decoded as UTF-8, invalid bytes replaced. */
export function pyUnquote(text: string): string {
  if (!text.includes('%')) return text;
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      const bytes: number[] = [];
      while (text[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
        bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
        i += 3;
      }
      out += decoder.decode(new Uint8Array(bytes));
    } else {
      out += text[i];
      i += 1;
    }
  }
  return out;
}

/** `urllib.parse.quote(text, safe='/')` over the UTF-8 bytes of `text`. */
export function pyQuote(text: string, safe = '/'): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9_.\-~]/.test(c) || (byte < 0x80 && safe.includes(c))) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** `posixpath.basename`. */
export function posixBasename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** `posixpath.dirname`. */
export function posixDirname(path: string): string {
  let head = path.slice(0, path.lastIndexOf('/') + 1);
  if (head && !/^\/+$/.test(head)) head = head.replace(/\/+$/, '');
  return head;
}

/** `posixpath.join`. */
export function posixJoin(first: string, ...rest: string[]): string {
  let path = first;
  for (const part of rest) {
    if (part.startsWith('/')) path = part;
    else if (!path || path.endsWith('/')) path += part;
    else path += `/${part}`;
  }
  return path;
}
