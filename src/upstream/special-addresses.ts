// Which IP addresses a client-chosen URL may reach: public unicast only. Loopback, private, link-local, CGNAT,
// multicast, unspecified, documentation and other special-purpose ranges (IANA registries) are refused, in IPv4,
// IPv6 and every IPv6 form that carries an IPv4 address (mapped, compatible, NAT64, 6to4).
import { isIPv4, isIPv6 } from 'node:net';

type Range = readonly [base: number, bits: number];

const ipv4 = (a: number, b: number, c: number, d: number) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;

// https://www.iana.org/assignments/iana-ipv4-special-registry, plus multicast and the reserved 240/4.
const SPECIAL_V4: Range[] = [
  [ipv4(0, 0, 0, 0), 8], // "this network", unspecified
  [ipv4(10, 0, 0, 0), 8], // private
  [ipv4(100, 64, 0, 0), 10], // CGNAT
  [ipv4(127, 0, 0, 0), 8], // loopback
  [ipv4(169, 254, 0, 0), 16], // link-local (cloud metadata lives here)
  [ipv4(172, 16, 0, 0), 12], // private
  [ipv4(192, 0, 0, 0), 24], // IETF protocol assignments
  [ipv4(192, 0, 2, 0), 24], // documentation
  [ipv4(192, 88, 99, 0), 24], // 6to4 relay anycast
  [ipv4(192, 168, 0, 0), 16], // private
  [ipv4(198, 18, 0, 0), 15], // benchmarking
  [ipv4(198, 51, 100, 0), 24], // documentation
  [ipv4(203, 0, 113, 0), 24], // documentation
  [ipv4(224, 0, 0, 0), 4], // multicast
  [ipv4(240, 0, 0, 0), 4], // reserved, broadcast
];

function inRange(value: number, [base, bits]: Range): boolean {
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((value & mask) >>> 0) === base;
}

function parseV4(text: string): number {
  const [a = 0, b = 0, c = 0, d = 0] = text.split('.').map(Number);
  return ipv4(a, b, c, d);
}

const isPublicV4 = (value: number) => !SPECIAL_V4.some((range) => inRange(value, range));

/** An IPv6 literal → its eight 16-bit groups (an embedded dotted IPv4 tail included); undefined when malformed. */
function parseV6(text: string): number[] | undefined {
  let body = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(body)?.[1];
  if (tail) {
    const v4 = parseV4(tail);
    body = body.slice(0, -tail.length) + `${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const head = groups(halves[0]);
  const rest = groups(halves[1]);
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  const all = [...head, ...new Array<number>(fill).fill(0), ...rest];
  return all.length === 8 && all.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? all : undefined;
}

const v4From = (hi: number, lo: number) => ((hi << 16) | lo) >>> 0;

function isPublicV6(g: number[]): boolean {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const upperZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, which also covers :: and ::1): the IPv4 address decides.
  if (upperZero && (g5 === 0xffff || g5 === 0)) return isPublicV4(v4From(g6, g7));
  // 64:ff9b::/96 NAT64 translates to the embedded IPv4 address; 64:ff9b:1::/48 is local-use NAT64.
  if (g0 === 0x64 && g1 === 0xff9b) return g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0 && isPublicV4(v4From(g6, g7));
  // 2002::/16 6to4 reaches the IPv4 address in groups 1-2.
  if (g0 === 0x2002) return isPublicV4(v4From(g1, g2));
  // Global unicast is 2000::/3; everything else (ULA fc00::/7, link-local fe80::/10, multicast ff00::/8, …) is not.
  if ((g0 & 0xe000) !== 0x2000) return false;
  if (g0 === 0x2001 && g1 < 0x200) return false; // 2001::/23 IETF protocol assignments (Teredo 2001::/32 included)
  if (g0 === 0x2001 && g1 === 0xdb8) return false; // documentation
  if ((g0 & 0xfff0) === 0x3ff0) return false; // 3fff::/20 documentation
  return true;
}

/** True only for a well-formed public unicast address; anything unparseable is refused. */
export function isPublicAddress(address: string): boolean {
  if (isIPv4(address)) return isPublicV4(parseV4(address));
  const bare = address.replace(/^\[|\]$/g, '');
  if (!isIPv6(bare)) return false;
  const groups = parseV6(bare);
  return groups !== undefined && isPublicV6(groups);
}

/** The address family of an IP literal host (brackets allowed), or 0 when it is a name. */
export function ipFamily(host: string): 0 | 4 | 6 {
  if (isIPv4(host)) return 4;
  return isIPv6(host.replace(/^\[|\]$/g, '')) ? 6 : 0;
}
