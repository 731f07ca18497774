import { isIP } from "node:net";
import { invalidArgument } from "@warden/errors";

// Hosts that answer with cloud credentials or instance metadata. A provider
// URL pointing at one of them would let a tenant turn Warden into an SSRF
// proxy for the platform's own cloud credentials.
const METADATA_HOSTS = new Set([
  "metadata.google.internal",
  "metadata",
  "metadata.azure.com",
  "instance-data",
  "instance-data.ec2.internal",
]);
const METADATA_ADDRESSES = new Set([
  "169.254.169.254",
  "169.254.170.2",
  "100.100.100.200",
  "fd00:ec2::254",
  "192.0.0.192",
]);

function stripBrackets(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/** True for 127.0.0.0/8, ::1 and localhost: the only hosts allowed plain http. */
export function isLoopbackHost(hostname: string): boolean {
  const host = stripBrackets(hostname.toLowerCase());
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return host === "::1" || host === "0:0:0:0:0:0:0:1";
  return false;
}

/** True for link-local (169.254.0.0/16, fe80::/10) and known cloud-metadata hosts and addresses. */
export function isForbiddenHost(hostname: string): boolean {
  const host = stripBrackets(hostname.toLowerCase()).replace(/\.$/, "");
  if (METADATA_HOSTS.has(host) || METADATA_ADDRESSES.has(host)) return true;
  if (isIP(host) === 4) return host.startsWith("169.254.") || host === "0.0.0.0";
  if (isIP(host) === 6) {
    if (/^fe[89ab][0-9a-f]?:/.test(host) || host === "::") return true;
    // IPv4-mapped IPv6 (::ffff:169.254.169.254) must not smuggle a v4 address past the check.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
    if (mapped) return isForbiddenHost(mapped[1]!);
    // WHATWG URL parsing rewrites it in hex: ::ffff:a9fe:a9fe.
    const mappedHex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
    if (mappedHex) {
      const high = parseInt(mappedHex[1]!, 16);
      const low = parseInt(mappedHex[2]!, 16);
      return isForbiddenHost(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
    }
  }
  return false;
}

/**
 * Returns the normalised URL if it may be used as a provider endpoint: https,
 * or plain http only to a loopback host; never link-local or cloud metadata,
 * never with credentials or a fragment. Otherwise INVALID_ARGUMENT naming the field.
 */
export function parseProviderUrl(field: string, value: string): string {
  if (!value) throw invalidArgument(field, "is required");
  if (value.length > 2048) throw invalidArgument(field, "must be at most 2048 characters");
  // The URL parser would silently drop tabs and newlines and percent-encode
  // the rest; a URL that holds them was not typed by a person.
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value))
    throw invalidArgument(field, "must not contain control characters");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidArgument(field, "is not a valid URL");
  }
  if (url.username || url.password) throw invalidArgument(field, "must not contain credentials");
  if (url.hash) throw invalidArgument(field, "must not contain a fragment");
  if (isForbiddenHost(url.hostname))
    throw invalidArgument(field, "must not point at a link-local or cloud-metadata address");
  if (url.protocol === "https:") return url.toString();
  if (url.protocol === "http:" && isLoopbackHost(url.hostname)) return url.toString();
  if (url.protocol === "http:")
    throw invalidArgument(field, "must use https (plain http is allowed only for loopback hosts)");
  throw invalidArgument(field, "must be an https URL");
}
